import { ExitCode, NkdError, wrapError } from '../../pkg/ui/errors.js';

describe('NkdError', () => {
  it('keeps the exit code and hint when wrapped with context', () => {
    const inner = new NkdError('bad field', { code: ExitCode.Usage, hint: 'fix it' });
    const outer = wrapError('loading cluster.yaml', inner);
    expect(outer.message).toBe('loading cluster.yaml: bad field');
    expect(outer.code).toBe(ExitCode.Usage);
    expect(outer.hint).toBe('fix it');
  });
});
