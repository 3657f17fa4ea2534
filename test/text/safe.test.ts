// The sanitising module: hostile strings (OSC retitle, clear screen, CR overwrite, NUL, BEL, C1
// CSI, bidi override) never reach a terminal raw; the palette's own colours do.
import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { palette, writeLine } from '../../src/cli/io.js';
import { renderReportMarkdown } from '../../src/report/render.js';
import { escapeMarkdown, hasControlCharacter, safeLine, safeOutput } from '../../src/text/safe.js';

const ESC = String.fromCharCode(0x1b);
const HOSTILE = `db${ESC}]0;pwned${String.fromCharCode(7)}${ESC}[2J\rOK${String.fromCharCode(0)}${String.fromCharCode(0x9b)}31m\u202e`;
const RAW = new RegExp(
  `[${String.fromCharCode(0)}-${String.fromCharCode(8)}${String.fromCharCode(0x0b)}-${String.fromCharCode(0x1f)}${String.fromCharCode(0x7f)}-${String.fromCharCode(0x9f)}\u202e]`,
);

describe('safe text', () => {
  it('escapes every control character visibly, line breaks too in one line', () => {
    const out = safeLine(`${HOSTILE}\nnext`);
    expect(out).not.toMatch(RAW);
    expect(out).not.toContain('\n');
    expect(out).toContain('\\u001b]0;pwned\\u0007');
    expect(out).toContain('\\u009b');
  });

  it('writeLine keeps the palette colours and escapes everything else', () => {
    const stream = new PassThrough();
    let text = '';
    stream.on('data', (c: Buffer) => (text += c.toString()));
    const p = palette(true);
    writeLine(stream, `${p.red('failed')}: ${HOSTILE}`);
    expect(text.startsWith(`${ESC}[31mfailed${ESC}[39m: db\\u001b]0;pwned`)).toBe(true);
    expect(text.slice(text.indexOf('db'))).not.toMatch(RAW);
    expect(safeOutput('plain text')).toBe('plain text');
  });

  it('escapes Markdown in the report: a hostile wave name and AWS message stay text', () => {
    expect(escapeMarkdown('[x](http://evil) *b* `c` <img>')).toBe(
      '\\[x\\](http://evil) \\*b\\* \\`c\\` \\<img\\>',
    );
    expect(hasControlCharacter(HOSTILE)).toBe(true);
    expect(hasControlCharacter('databases')).toBe(false);
    const md = renderReportMarkdown({
      runId: 'run-1',
      plan: 'p',
      outcome: 'aborted',
      simulated: true,
      startedAt: null,
      finishedAt: null,
      resumes: 0,
      rto: { achievedMs: null, objectiveMs: 1, met: null, deadlineAt: null },
      rpo: { worstAgeMs: null, objectiveMs: 1, met: null },
      gaps: [],
      waves: [
        {
          name: `# ${HOSTILE}`,
          outcome: 'aborted',
          failure: { code: 'aws-error', message: `rawError: ${HOSTILE}\n| forged | row |` },
          jobIds: [],
          servers: [],
          serving: [
            { sourceServerID: 's-1', serving: 'dr', loss: `nothing lost ${HOSTILE}`, nothingLost: true },
          ],
        },
      ],
      approvals: [],
      timeline: [],
      awsCalls: [],
      notifications: [],
    } as unknown as Parameters<typeof renderReportMarkdown>[0]);
    expect(md).not.toMatch(RAW);
    expect(md).toContain('### \\# db\\\\u001b');
    expect(md).not.toContain('\n| forged');
  });
});
