// The pure part of lineinfile: given a file's text and the wanted line,
// return the new text. Follows Ansible's rules: a regexp (or search_string)
// match is replaced; otherwise an exact copy of the line counts as present;
// otherwise the line is inserted after/before an anchor, or at the end.
import { pyRegExp, expandTemplate } from './py-regexp.js';

export interface LineEdit {
  state: 'present' | 'absent';
  line?: string;
  regexp?: string;
  searchString?: string;
  insertafter?: string;
  insertbefore?: string;
  backrefs?: boolean;
  firstmatch?: boolean;
}

export interface EditResult {
  text: string;
  // What happened, e.g. "line added"; '' when nothing changed.
  msg: string;
}

// Lines with their endings, like Python's readlines().
export function splitLines(text: string): string[] {
  return text.match(/[^\n]*\n|[^\n]+$/g) ?? [];
}

const bare = (l: string): string => l.replace(/[\r\n]+$/, '');

// The only entry point: the pure edit, testable without a host.
export function editLines(text: string, e: LineEdit): EditResult {
  return e.state === 'absent' ? removeLines(text, e) : ensureLine(text, e);
}

// state: absent removes every matching line, not just the last.
function removeLines(text: string, e: LineEdit): EditResult {
  const re = e.regexp !== undefined ? pyRegExp(e.regexp) : undefined;
  const matches = (l: string): boolean => (re ? re.test(bare(l)) : e.searchString !== undefined ? l.includes(e.searchString) : bare(l) === e.line);
  const lines = splitLines(text);
  const kept = lines.filter((l) => !matches(l));
  const removed = lines.length - kept.length;
  return { text: kept.join(''), msg: removed ? `${removed} line(s) removed` : '' };
}

// state: present, following Ansible's order of precedence (see the header).
function ensureLine(text: string, e: LineEdit): EditResult {
  const line = e.line ?? '';
  const lines = splitLines(text);
  const after = e.insertafter ?? (e.insertbefore === undefined ? 'EOF' : undefined);
  const before = e.insertbefore;
  const anchorSource = after !== undefined && after !== 'BOF' && after !== 'EOF' ? after : before !== undefined && before !== 'BOF' ? before : undefined;
  const anchor = anchorSource !== undefined ? pyRegExp(anchorSource) : undefined;

  // 1. A regexp or search_string match wins; the last one unless firstmatch.
  let found = -1;
  let match: RegExpExecArray | null = null;
  let matched = false;
  if (e.regexp !== undefined || e.searchString !== undefined) {
    const re = e.regexp !== undefined ? pyRegExp(e.regexp) : undefined;
    for (let i = 0; i < lines.length; i++) {
      const m = re ? re.exec(bare(lines[i])) : null;
      if (re ? !m : !lines[i].includes(e.searchString!)) continue;
      found = i;
      matched = true;
      match = m;
      if (e.firstmatch) break;
    }
  }
  // 2. Otherwise an exact copy of the line, and the insertion anchor.
  let insertAt = -1;
  if (!matched) {
    for (let i = 0; i < lines.length; i++) {
      if (bare(lines[i]) === line) found = i;
      else if (anchor && anchor.test(bare(lines[i]))) {
        insertAt = after !== undefined ? i + 1 : i;
        if (e.firstmatch) break;
      }
    }
  }
  const out = [...lines];
  const newline = `${line}\n`;
  const terminateLast = () => {
    if (out.length && !/[\r\n]$/.test(out[out.length - 1])) out[out.length - 1] += '\n';
  };
  const done = (msg: string): EditResult => ({ text: msg ? out.join('') : text, msg });

  if (found !== -1) {
    let wanted = e.backrefs && match ? expandTemplate(line, match) : line;
    if (!wanted.endsWith('\n')) wanted += '\n';
    if (out[found] === wanted) return done('');
    out[found] = wanted;
    return done('line replaced');
  }
  // Without a match the backrefs cannot be filled in: leave the file alone.
  if (e.backrefs) return done('');
  if (before === 'BOF' || after === 'BOF') {
    out.unshift(newline);
    return done('line added');
  }
  if (after === 'EOF' || insertAt === -1) {
    terminateLast();
    out.push(newline);
    return done('line added');
  }
  if (after !== undefined) {
    // Not again when the line already follows the anchor.
    if (insertAt === out.length) {
      if (bare(out[insertAt - 1]) === line) return done('');
      terminateLast();
      out.push(newline);
      return done('line added');
    }
    if (bare(out[insertAt]) === line) return done('');
  }
  out.splice(insertAt, 0, newline);
  return done('line added');
}
