// Durations typed on the command line (`log --since`, later `prune --older-than`): every accepted
// spelling gives the right number of seconds, and everything else is a usage error (exit 2).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseDuration } from '../../src/core/duration.ts';
import { DxError } from '../../src/core/errors.ts';

test('30m, 24h, 7d and friends become seconds', () => {
  const cases: Array<[string, number]> = [
    ['30m', 1800], ['24h', 86_400], ['7d', 604_800], ['90s', 90], ['2w', 1_209_600],
    ['1.5h', 5400], [' 3 days ', 259_200], ['45min', 2700], ['1H', 3600], ['10 seconds', 10],
  ];
  for (const [text, seconds] of cases) assert.equal(parseDuration(text), seconds, text);
});

test('anything else is refused with BAD_DURATION, exit 2, naming the value', () => {
  for (const text of ['', '10', 'h', '-5m', '0m', '5y', '10ms', '1d2h', 'soon', '24 h ago']) {
    assert.throws(() => parseDuration(text), (err: unknown) => {
      assert.ok(err instanceof DxError, `${JSON.stringify(text)}: ${String(err)}`);
      assert.equal(err.code, 'BAD_DURATION');
      assert.equal(err.exitCode, 2);
      assert.ok(err.message.includes(`"${text}"`), err.message);
      return true;
    }, JSON.stringify(text));
  }
});
