// biome-ignore-all lint/suspicious/noControlCharactersInRegex: this module exists to find control characters
// Text the tool did not write (plan and scenario names, probe URLs, what AWS returns) must never
// drive the operator's terminal: an ESC starts a sequence that can retitle or clear it, CR
// rewrites a line, NUL and BEL hide or ring, C1 codes act as ESC on some terminals. This is the
// one module that neutralises them, used at the output boundaries (writeLine, the Markdown report).

/** Control characters as visible escapes (`\u001b`): C0 (but tab and, in blocks, LF), DEL, C1, bidi overrides. */
const CONTROL = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/g;
const CONTROL_OR_NEWLINE = /[\u0000-\u0008\u000a-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/g;

const visible = (c: string): string => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`;

/** One line: every control character, line breaks included, as a visible escape. */
export function safeLine(text: string): string {
  return text.replace(CONTROL_OR_NEWLINE, visible);
}

/** Several lines: line breaks kept, every other control character as a visible escape. */
export function safeText(text: string): string {
  return text.replace(CONTROL, visible);
}

/**
 * The colour sequences the tool's own palette writes (bold, dim, red, green, yellow, cyan and their
 * resets): the only escape sequences that reach a terminal.
 */
const PALETTE_SGR = /\u001b\[(?:1|2|22|31|32|33|36|39)m/g;
const SGR_MARK = '\u0000';

/**
 * A line of human output: the palette's colours kept, every other control character escaped.
 * Line breaks stay (the tool writes multi-line messages); names with line breaks are refused
 * by validation and strings from AWS go through `safeLine` where they are put into a line.
 */
export function safeOutput(text: string): string {
  if (!/[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/.test(text)) return text;
  const colours: string[] = [];
  const marked = text.replace(/\u0000/g, visible).replace(PALETTE_SGR, (sgr) => {
    colours.push(sgr);
    return SGR_MARK;
  });
  let i = 0;
  return marked
    .split(SGR_MARK)
    .map((part) => safeText(part))
    .reduce((out, part, index) => (index === 0 ? part : `${out}${colours[i++] ?? ''}${part}`), '');
}

/** Markdown inline text: control characters escaped, and Markdown's own characters too. */
export function escapeMarkdown(text: string): string {
  return safeLine(text).replace(/[\\`*_[\]<>#|~]/g, (c) => `\\${c}`);
}

/** Whether a name holds a control character (validation refuses such names). */
export function hasControlCharacter(text: string): boolean {
  return /[\u0000-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/.test(text);
}
