/**
 * pytorch/examples' MNIST network (`mnist/main.py`'s `Net`), ported line for line: what the
 * weights scripts/pytorch_mnist.py trains load into, for the PyTorch-weights tests and the
 * lecture's draw-a-digit page.
 *
 * @packageDocumentation
 */
import { Conv2d, Dropout, Linear } from '../layers';
import { Module } from '../module';
import * as nn from '../nn';
import { Tensor } from '../tensor';
import { tooManyArguments } from '../validate';

/**
 * `Net` of pytorch/examples' `mnist/main.py`: conv 1→32 (3×3), conv 32→64 (3×3), 2×2 max
 * pool, dropout 0.25, linear 9216→128, dropout 0.5, linear 128→10, log-softmax. Its field
 * names are the keys of the `state_dict()` PyTorch saves. Input [batch, 1, 28, 28]
 * (normalised by MNIST's mean 0.1307 and deviation 0.3081, as the example does).
 */
export class PyTorchMnistNet extends Module {
  conv1: Conv2d;
  conv2: Conv2d;
  dropout1: Dropout;
  dropout2: Dropout;
  fc1: Linear;
  fc2: Linear;

  constructor() {
    super();
    // PyTorch's Net() takes nothing; an argument meant for another network is a mistake,
    // reported before any weight is drawn.
    if (arguments.length > 0) tooManyArguments('PyTorchMnistNet', 0, arguments.length, 'none');
    this.conv1 = new Conv2d(1, 32, 3, { stride: 1 });
    this.conv2 = new Conv2d(32, 64, 3, { stride: 1 });
    this.dropout1 = new Dropout(0.25);
    this.dropout2 = new Dropout(0.5);
    this.fc1 = new Linear(9216, 128);
    this.fc2 = new Linear(128, 10);
  }

  /** [batch, 1, 28, 28] → [batch, 10] log-probabilities, statement by statement as `Net.forward`. */
  forward(input: Tensor): Tensor {
    let x = this.conv1.forward(input);
    x = x.relu();
    x = this.conv2.forward(x);
    x = x.relu();
    x = nn.maxpool2d(x, 2);
    x = this.dropout1.forward(x);
    x = x.flatten(1);
    x = this.fc1.forward(x);
    x = x.relu();
    x = this.dropout2.forward(x);
    x = this.fc2.forward(x);
    const output = nn.logsoftmax(x, 1);
    return output;
  }
}
