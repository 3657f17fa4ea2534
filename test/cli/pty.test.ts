// Through a real pseudo-terminal: `script` (util-linux/bsdutils) gives the CLI a TTY on stdin and
// stdout, so guided mode, the raw-mode prompts, the type-ahead guard and the exit code are the
// real ones. These tests fail, never skip, when `script` is missing: `.ci/run` installs it.
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BIN, fixture, ROOT, tempStateDir } from './helpers.js';

const ESC = String.fromCharCode(27);
const ENTER = '\r';

function quote(arg: string): string {
  return `'${arg.replace(/'/g, `'\\''`)}'`;
}

/** Keys typed once `when` appears on the screen (after the previous step's match), `delayMs` later. */
interface Step {
  when: string;
  keys: string;
  delayMs?: number;
}

/**
 * Runs the CLI on a pty. `typeAhead` is typed at once, before the CLI has even started; then each
 * step in turn waits for its text on the screen and types its keys.
 */
function onTerminal(
  args: string[],
  typeAhead: string,
  steps: Step[],
  env: NodeJS.ProcessEnv = process.env,
): Promise<{ code: number | null; screen: string; stepsDone: number }> {
  // Without a terminal of its own, `script` opens a 0x0 pty: give it a size so prompts do not wrap.
  const command = `stty cols 250 rows 50; exec ${[process.execPath, BIN, ...args].map(quote).join(' ')}`;
  const child = spawn('script', ['-qfec', command, '/dev/null'], {
    cwd: ROOT,
    env: { ...env, NO_COLOR: '1', TERM: 'xterm' },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  let screen = '';
  let from = 0;
  let next = 0;
  const advance = () => {
    const step = steps[next];
    if (step === undefined) return;
    const at = screen.indexOf(step.when, from);
    if (at < 0) return;
    next += 1;
    from = at + step.when.length;
    setTimeout(() => child.stdin.write(step.keys), step.delayMs ?? 50);
    advance();
  };
  child.stdout.on('data', (chunk: Buffer) => {
    screen += chunk.toString();
    advance();
  });
  if (typeAhead !== '') child.stdin.write(typeAhead);
  const watchdog = setTimeout(() => child.kill('SIGKILL'), 45_000);
  return new Promise((resolve) => {
    child.on('error', () => resolve({ code: null, screen, stepsDone: next }));
    child.on('close', (code) => {
      clearTimeout(watchdog);
      resolve({ code, screen, stepsDone: next });
    });
  });
}

const runArgs = () => [
  'run',
  fixture('plan.yaml'),
  '--simulate',
  fixture('scenario.yaml'),
  '--state-dir',
  tempStateDir(),
  // About two seconds of real time per wave: room to type ahead while a wave converts.
  '--speed',
  '600',
];

const count = (text: string, part: string) => text.split(part).length - 1;

describe('guided run on a real pseudo-terminal', () => {
  it('`script` is installed (.ci/run installs it: these tests must not skip)', () => {
    expect(spawnSync('script', ['--version'], { encoding: 'utf8' }).status).toBe(0);
  });

  it('keys typed before each prompt (even the right word) answer nothing: they are dropped and said so', async () => {
    const { code, screen, stepsDone } = await onTerminal(runArgs(), `databases${ENTER}y${ENTER}`, [
      // The first prompt opens with the type-ahead dropped; nothing was approved by it.
      { when: 'Start the failback of wave databases?', keys: `databases${ENTER}`, delayMs: 400 },
      // While the first wave converts, type the second wave's word and a `y` ahead of its prompt.
      { when: 'approved wave databases', keys: `app${ENTER}y${ENTER}` },
      { when: 'Start the failback of wave app?', keys: `no${ENTER}`, delayMs: 400 },
    ]);
    expect(stepsDone).toBe(3);
    expect(count(screen, 'approved wave databases by')).toBe(1);
    expect(screen).not.toContain('approved wave app');
    expect(count(screen, 'key(s) typed before this question were ignored')).toBe(2);
    expect(screen).toContain('refused wave app by');
    expect(screen).toContain('wave databases: completed');
    expect(screen).toContain('wave app: aborted');
    // Not 3 ("nothing was changed"): the first wave's servers run on the primary side now.
    expect(code).toBe(4);
  });

  it('a point of no return is approved only by typing the word it shows; a single y is not an answer', async () => {
    const { code, screen, stepsDone } = await onTerminal(runArgs(), '', [
      { when: 'Start the failback of wave databases?', keys: `y${ENTER}` },
      { when: 'Type databases exactly to approve', keys: `\x7fdatabases${ENTER}` },
      { when: 'Start the failback of wave app?', keys: `app${ENTER}` },
    ]);
    expect(stepsDone).toBe(3);
    expect(screen).toContain(
      'StartFailbackLaunch for 2 recovery instance(s) in us-east-1: the target machines will be converted and rebooted',
    );
    expect(screen).toContain('Type databases to approve, or no to refuse (nothing changes).');
    expect(screen).not.toMatch(/Yes, start the failback/);
    expect(screen).toContain('wave databases: completed');
    expect(screen).toContain('wave app: completed');
    expect(screen).not.toMatch(new RegExp(`${ESC}\\[3\\dm`)); // NO_COLOR: no colour escapes (cursor control is the prompt's)
    expect(code).toBe(0);
  });
});

/**
 * A local stand-in for STS (AssumeRole with an MFA code, GetCallerIdentity) and DRS (every read
 * answers an empty list), at AWS_ENDPOINT_URL: the SDK's own credential chain runs for real.
 */
const GOOD_CODE = '123456';
const SERIAL = 'arn:aws:iam::111122223333:mfa/alice';
const ROLE_SESSION = 'arn:aws:sts::111122223333:assumed-role/failback/mfa-session';
const assumeRoles: URLSearchParams[] = [];
let endpoint = '';
let server: Server;

const body = (req: IncomingMessage) =>
  new Promise<string>((resolve) => {
    let text = '';
    req.on('data', (c: Buffer) => (text += c.toString()));
    req.on('end', () => resolve(text));
  });

const STS_XMLNS = 'https://sts.amazonaws.com/doc/2011-06-15/';

beforeAll(async () => {
  server = createServer(async (req, res) => {
    const text = await body(req);
    const form = new URLSearchParams(text);
    const action = form.get('Action');
    const xml = (status: number, payload: string) => {
      res.writeHead(status, { 'content-type': 'text/xml' });
      res.end(payload);
    };
    if (action === 'AssumeRole') {
      assumeRoles.push(form);
      if (form.get('TokenCode') !== GOOD_CODE) {
        return xml(
          403,
          `<ErrorResponse xmlns="${STS_XMLNS}"><Error><Type>Sender</Type><Code>AccessDenied</Code><Message>MultiFactorAuthentication failed with invalid MFA one time pass code.</Message></Error><RequestId>r-denied</RequestId></ErrorResponse>`,
        );
      }
      return xml(
        200,
        `<AssumeRoleResponse xmlns="${STS_XMLNS}"><AssumeRoleResult><Credentials><AccessKeyId>ASIAEXAMPLEMFA</AccessKeyId><SecretAccessKey>secret</SecretAccessKey><SessionToken>session</SessionToken><Expiration>2099-01-01T00:00:00Z</Expiration></Credentials><AssumedRoleUser><Arn>${ROLE_SESSION}</Arn><AssumedRoleId>AROAEXAMPLE:mfa-session</AssumedRoleId></AssumedRoleUser></AssumeRoleResult><ResponseMetadata><RequestId>r-assume</RequestId></ResponseMetadata></AssumeRoleResponse>`,
      );
    }
    if (action === 'GetCallerIdentity') {
      return xml(
        200,
        `<GetCallerIdentityResponse xmlns="${STS_XMLNS}"><GetCallerIdentityResult><Arn>${ROLE_SESSION}</Arn><UserId>AROAEXAMPLE:mfa-session</UserId><Account>111122223333</Account></GetCallerIdentityResult><ResponseMetadata><RequestId>r-id</RequestId></ResponseMetadata></GetCallerIdentityResponse>`,
      );
    }
    // DRS (REST-JSON): every read finds nothing, so `check` reports not ready (exit 3).
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end('{"items":[]}');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

/** An environment with only the MFA profile: role_arn + source_profile + mfa_serial, at the local endpoint. */
function mfaProfileEnv(): NodeJS.ProcessEnv {
  const dir = mkdtempSync(join(tmpdir(), 'drs-failback-mfa-'));
  writeFileSync(
    join(dir, 'config'),
    `[profile base]\nregion = us-east-1\n[profile mfa]\nregion = us-east-1\nrole_arn = arn:aws:iam::111122223333:role/failback\nsource_profile = base\nmfa_serial = ${SERIAL}\n`,
  );
  writeFileSync(
    join(dir, 'credentials'),
    '[base]\naws_access_key_id = AKIDEXAMPLE\naws_secret_access_key = example\n',
  );
  const env: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(process.env)) if (!key.startsWith('AWS_')) env[key] = value;
  return {
    ...env,
    AWS_CONFIG_FILE: join(dir, 'config'),
    AWS_SHARED_CREDENTIALS_FILE: join(dir, 'credentials'),
    AWS_EC2_METADATA_DISABLED: 'true',
    AWS_ENDPOINT_URL: endpoint,
  };
}

const checkArgs = () => ['check', fixture('plan.yaml'), '--profile', 'mfa'];
const PROMPT = `MFA code for ${SERIAL}`;

describe('the MFA prompt on a real pseudo-terminal', () => {
  it('asks for the code on the terminal; the code typed goes to AssumeRole and the role is the identity', async () => {
    const before = assumeRoles.length;
    const { code, screen, stepsDone } = await onTerminal(
      checkArgs(),
      '',
      [{ when: PROMPT, keys: `${GOOD_CODE}${ENTER}` }],
      mfaProfileEnv(),
    );
    expect(stepsDone).toBe(1);
    const sent = assumeRoles.slice(before);
    expect(sent).toHaveLength(1);
    expect(sent[0]?.get('SerialNumber')).toBe(SERIAL);
    expect(sent[0]?.get('TokenCode')).toBe(GOOD_CODE);
    expect(sent[0]?.get('RoleArn')).toBe('arn:aws:iam::111122223333:role/failback');
    // The code is a password: never echoed.
    const promptArea = screen.slice(screen.indexOf(PROMPT), screen.indexOf('Plan cli-fixture'));
    expect(promptArea).toContain('▪▪▪▪▪▪');
    expect(promptArea).not.toContain(GOOD_CODE);
    expect(screen).toContain(`aws: account 111122223333 as ${ROLE_SESSION}`);
    // DRS (the stand-in) knows no server: not ready, a normal check result after the identity.
    expect(screen).toContain('NOT READY');
    expect(code).toBe(3);
  });

  it('a wrong code: one sentence saying AWS refused it, exit 2, nothing past STS', async () => {
    const before = assumeRoles.length;
    const { code, screen, stepsDone } = await onTerminal(
      checkArgs(),
      '',
      [{ when: PROMPT, keys: `000000${ENTER}` }],
      mfaProfileEnv(),
    );
    expect(stepsDone).toBe(1);
    expect(assumeRoles.slice(before).map((f) => f.get('TokenCode'))).toEqual(['000000']);
    expect(screen).toContain('AWS refused the MFA code for profile mfa');
    expect(screen).toContain('MultiFactorAuthentication failed with invalid MFA one time pass code');
    expect(screen).toContain('run the command again with the code your device shows now');
    expect(screen).not.toContain('NOT READY');
    expect(screen).not.toContain('    at ');
    expect(code).toBe(2);
  });

  it('an empty code: one sentence, exit 2, nothing sent to STS', async () => {
    const before = assumeRoles.length;
    const { code, screen, stepsDone } = await onTerminal(
      checkArgs(),
      '',
      [{ when: PROMPT, keys: ENTER }],
      mfaProfileEnv(),
    );
    expect(stepsDone).toBe(1);
    expect(assumeRoles.length).toBe(before);
    expect(screen).toContain(`no MFA code was typed for ${SERIAL}: nothing was sent or changed`);
    expect(code).toBe(2);
  });

  it('in a script (no terminal): the one-sentence error, no prompt, nothing sent', async () => {
    const before = assumeRoles.length;
    const env = mfaProfileEnv();
    const r = spawnSync(process.execPath, [BIN, ...checkArgs()], {
      cwd: ROOT,
      env: { ...env, NO_COLOR: '1' },
      encoding: 'utf8',
      input: '',
    });
    expect(r.status).toBe(2);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toContain(`needs an MFA code (${SERIAL}), which a script cannot type`);
    expect(r.stdout).not.toContain(PROMPT);
    expect(assumeRoles.length).toBe(before);
  });
});
