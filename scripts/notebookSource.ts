/**
 * Notebooks are written as Markdown (`notebooks/src/<name>.md`) and built into
 * `notebooks/<name>.ipynb`: a fenced block opened with exactly ```` ```ts ```` becomes a code
 * cell, and the Markdown between code blocks becomes one markdown cell. Any other fence
 * (```` ```typescript ````, ```` ```bash ````, ...) stays in the Markdown as displayed text.
 *
 * Markdown diffs and merges well and needs no Jupyter to edit; the built notebook is what
 * Jupyter runs and GitHub shows.
 *
 * @packageDocumentation
 */
import { createHash } from 'crypto';
import { KERNELSPEC, Notebook, NotebookCell, joinText } from './jupyter';

/** A cell before it becomes part of a notebook. */
export interface SourceCell {
  cell_type: 'markdown' | 'code';
  source: string;
}

/** An opening or closing code fence: three or more backticks or tildes, then an info string. */
const FENCE = /^(`{3,}|~{3,})(.*)$/;

/** Split Markdown into cells (see the file comment). Throws on an unclosed ```ts block. */
export function markdownToCells(markdown: string): SourceCell[] {
  const cells: SourceCell[] = [];
  let text: string[] = [];
  const flush = (cell_type: SourceCell['cell_type']) => {
    // Blank lines around a cell are layout in the Markdown, not content.
    while (text.length > 0 && text[0].trim() === '') text.shift();
    while (text.length > 0 && text[text.length - 1].trim() === '') text.pop();
    if (text.length > 0 || cell_type === 'code') cells.push({ cell_type, source: text.join('\n') });
    text = [];
  };
  const lines = markdown.split(/\r?\n/);
  for (let i = 0; i < lines.length; i++) {
    const open = FENCE.exec(lines[i]);
    if (!open) {
      text.push(lines[i]);
      continue;
    }
    // Find the closing fence: the same character, at least as long, nothing after it.
    const close = new RegExp(`^${open[1][0]}{${open[1].length},}\\s*$`);
    let end = i + 1;
    while (end < lines.length && !close.test(lines[end])) end++;
    if (open[2].trim() === 'ts') {
      if (end === lines.length) throw new Error(`line ${i + 1}: the \`\`\`ts block is never closed`);
      flush('markdown');
      text = lines.slice(i + 1, end);
      flush('code');
    } else {
      text.push(...lines.slice(i, end + 1)); // displayed code: keep as Markdown, fences included
    }
    i = end;
  }
  flush('markdown');
  return cells;
}

/**
 * A stable cell id: a hash of the cell, so rebuilding an unchanged source gives the same ids
 * and editing one cell changes only its id. Duplicates get a suffix.
 */
function cellId(cell: SourceCell, used: Set<string>): string {
  const base = createHash('sha1').update(`${cell.cell_type}\n${cell.source}`).digest('hex').slice(0, 12);
  let id = base;
  for (let n = 2; used.has(id); n++) id = `${base}-${n}`;
  used.add(id);
  return id;
}

/**
 * Build an nbformat 4.5 notebook (cell ids, MiniTorch kernel, no outputs yet) from a
 * Markdown source.
 */
export function buildNotebook(markdown: string): Notebook {
  const used = new Set<string>();
  const cells = markdownToCells(markdown).map((cell): NotebookCell => {
    const base = { id: cellId(cell, used), cell_type: cell.cell_type, metadata: {}, source: cell.source };
    return cell.cell_type === 'code' ? { ...base, execution_count: null, outputs: [] } : base;
  });
  return {
    nbformat: 4,
    nbformat_minor: 5,
    metadata: {
      kernelspec: KERNELSPEC,
      language_info: { name: 'typescript', file_extension: '.ts', mimetype: 'text/typescript' },
    },
    cells,
  };
}

/** The type and text of each cell, to compare a notebook with its source. */
export function notebookCells(notebook: Notebook): SourceCell[] {
  return notebook.cells.map((cell) => ({
    cell_type: cell.cell_type === 'code' ? 'code' : 'markdown',
    source: joinText(cell.source),
  }));
}
