import { newRequestId } from './request-id';

export interface PendingSend {
  requestId: string;
  templateAlias: string;
  email: string;
}

/**
 * One click of Send, from the confirm question to the backend's answer. The request id is
 * chosen when Send is clicked and kept until that send succeeds or is cancelled, so a retry
 * after a network error, or a second click, can never become a second email.
 */
export class SendFlow {
  private current: PendingSend | null = null;
  private busy = false;

  get pending(): PendingSend | null {
    return this.current;
  }

  get inFlight(): boolean {
    return this.busy;
  }

  open(templateAlias: string, email: string, makeId: () => string = newRequestId): PendingSend {
    if (!this.current) this.current = { requestId: makeId(), templateAlias, email };

    return this.current;
  }

  cancel(): void {
    if (!this.busy) this.current = null;
  }

  /** The send's result; null when nothing is open or this click's send is already running. */
  async confirm<T>(send: (pending: PendingSend) => Promise<T>): Promise<T | null> {
    const pending = this.current;
    if (!pending || this.busy) return null;

    this.busy = true;

    try {
      const result = await send(pending);
      this.current = null;

      return result;
    } finally {
      this.busy = false;
    }
  }
}
