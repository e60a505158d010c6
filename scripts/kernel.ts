/**
 * `npm run kernel [-- --prefix DIR]`: register the "MiniTorch (TypeScript)" Jupyter kernel,
 * which runs this project's tslab (node_modules/.bin/tslab), in the user's Jupyter (or under
 * `DIR/share/jupyter/kernels`). Run it again after moving the repository.
 *
 * @packageDocumentation
 */
import { UsageError, exitStatus } from './course';
import { KERNEL_DISPLAY_NAME, checkJupyter, findPython, installKernel } from './jupyter';

function main(argv: string[]): void {
  let prefix: string | undefined;
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === '--prefix' && argv[i + 1]) prefix = argv[++i];
    else if (argv[i].startsWith('--prefix=')) prefix = argv[i].slice('--prefix='.length);
    else throw new UsageError(`unknown option "${argv[i]}" (usage: npm run kernel [-- --prefix DIR])`);
  }
  const python = findPython();
  checkJupyter(python);
  const dir = installKernel({ python, prefix });
  console.log(`kernel: installed "${KERNEL_DISPLAY_NAME}" in ${dir}`);
  console.log('kernel: start JupyterLab with `.venv/bin/jupyter lab notebooks/` and pick that kernel');
}

if (require.main === module) {
  try {
    main(process.argv.slice(2));
  } catch (e) {
    console.error(`kernel: ${(e as Error).message}`);
    process.exitCode = exitStatus(e);
  }
}
