import { Poller } from './poller';

describe('Poller', () => {
  beforeEach(() => jest.useFakeTimers());
  afterEach(() => jest.useRealTimers());

  it('ticks on its interval until stopped', async () => {
    const tick = jest.fn().mockResolvedValue(undefined);
    const poller = new Poller(tick, 5000);

    poller.start();
    await jest.advanceTimersByTimeAsync(15_000);

    expect(tick).toHaveBeenCalledTimes(3);

    poller.stop();
    await jest.advanceTimersByTimeAsync(20_000);

    expect(tick).toHaveBeenCalledTimes(3);
    expect(poller.running).toBe(false);
  });

  it('waits for a slow round before scheduling the next', async () => {
    let finish: () => void = () => undefined;
    const tick = jest.fn(() => new Promise<void>((resolve) => (finish = resolve)));
    const poller = new Poller(tick, 1000);

    poller.start();
    await jest.advanceTimersByTimeAsync(10_000);

    expect(tick).toHaveBeenCalledTimes(1);

    finish();
    await jest.advanceTimersByTimeAsync(1000);

    expect(tick).toHaveBeenCalledTimes(2);
    poller.stop();
  });

  it('keeps going after a round throws', async () => {
    const error = jest.spyOn(console, 'error').mockImplementation(() => undefined);
    const tick = jest.fn().mockRejectedValueOnce(new Error('boom')).mockResolvedValue(undefined);
    const poller = new Poller(tick, 1000);

    poller.start();
    await jest.advanceTimersByTimeAsync(2000);

    expect(tick).toHaveBeenCalledTimes(2);
    expect(error).toHaveBeenCalled();
    poller.stop();
    error.mockRestore();
  });

  it('does not start twice', async () => {
    const tick = jest.fn().mockResolvedValue(undefined);
    const poller = new Poller(tick, 1000);

    poller.start();
    poller.start();
    await jest.advanceTimersByTimeAsync(1000);

    expect(tick).toHaveBeenCalledTimes(1);
    poller.stop();
  });
});
