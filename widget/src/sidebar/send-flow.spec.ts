import { SendFlow } from './send-flow';

describe('SendFlow', () => {
  let ids = 0;
  const makeId = () => `req-${++ids}`;

  beforeEach(() => {
    ids = 0;
  });

  it('keeps the request id of the open click when Send is clicked again', () => {
    const flow = new SendFlow();

    const first = flow.open('welcome', 'a@b.co', makeId);
    const second = flow.open('welcome', 'a@b.co', makeId);

    expect(second).toBe(first);
    expect(first.requestId).toBe('req-1');
  });

  it('sends once when confirm is clicked twice while the first call runs', async () => {
    const flow = new SendFlow();
    const send = jest.fn(() => new Promise((resolve) => setTimeout(() => resolve('ok'), 10)));
    flow.open('welcome', 'a@b.co', makeId);

    const [first, second] = await Promise.all([flow.confirm(send), flow.confirm(send)]);

    expect(send).toHaveBeenCalledTimes(1);
    expect(first).toBe('ok');
    expect(second).toBeNull();
    expect(flow.pending).toBeNull();
  });

  it('retries a failed send with the same request id', async () => {
    const flow = new SendFlow();
    const seen: string[] = [];
    const send = jest
      .fn()
      .mockImplementationOnce(async (pending: { requestId: string }) => {
        seen.push(pending.requestId);
        throw new Error('network');
      })
      .mockImplementationOnce(async (pending: { requestId: string }) => {
        seen.push(pending.requestId);

        return 'ok';
      });
    flow.open('welcome', 'a@b.co', makeId);

    await expect(flow.confirm(send)).rejects.toThrow('network');
    expect(flow.inFlight).toBe(false);
    await expect(flow.confirm(send)).resolves.toBe('ok');

    expect(seen).toEqual(['req-1', 'req-1']);
  });

  it('gives the next click a fresh id once a send succeeded or was cancelled', async () => {
    const flow = new SendFlow();

    flow.open('welcome', 'a@b.co', makeId);
    await flow.confirm(async () => 'ok');
    const afterSuccess = flow.open('welcome', 'a@b.co', makeId);
    flow.cancel();
    const afterCancel = flow.open('welcome', 'a@b.co', makeId);

    expect([afterSuccess.requestId, afterCancel.requestId]).toEqual(['req-2', 'req-3']);
  });

  it('does nothing on confirm without an open click', async () => {
    const send = jest.fn();

    await expect(new SendFlow().confirm(send)).resolves.toBeNull();
    expect(send).not.toHaveBeenCalled();
  });
});
