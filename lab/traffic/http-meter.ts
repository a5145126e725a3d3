// Passive HTTP/1.1 metering of a byte stream the TCP proxy relays: it watches requests go one way and
// responses come back the other, and reports each response's status and time to first byte. An NLB
// sees no HTTP; the lab meters it anyway so the same request-level alarms judge the canary (in
// production those come from the service's own metrics). Handles Content-Length and chunked bodies;
// requests are not pipelined (Node's agent never pipelines).

/** Called per response: status, ms from the request's first byte to the response's status line. */
export type OnResponse = (status: number, latencyMs: number) => void;

export class HttpMeter {
  private readonly starts: number[] = [];
  private requestOpen = false;
  private buffer: Buffer = Buffer.alloc(0);
  /** Bytes of the current response body still to skip; 'chunked' while reading chunks. */
  private body: number | 'chunked' | undefined;

  constructor(
    private readonly onResponse: OnResponse,
    private readonly now: () => number = () => performance.now(),
  ) {}

  /** Bytes the client sent: the first after a response marks a request's start. */
  request(_chunk: Buffer): void {
    if (this.requestOpen) return;
    this.requestOpen = true;
    this.starts.push(this.now());
  }

  /** Bytes the server answered. */
  response(chunk: Buffer): void {
    this.buffer = this.buffer.length ? Buffer.concat([this.buffer, chunk]) : chunk;
    while (this.step());
  }

  /** Consume what it can; true when it made progress. */
  private step(): boolean {
    if (typeof this.body === 'number') {
      const skip = Math.min(this.body, this.buffer.length);
      this.buffer = this.buffer.subarray(skip);
      this.body -= skip;
      if (this.body > 0) return false;
      this.body = undefined;
      return this.buffer.length > 0;
    }
    if (this.body === 'chunked') {
      const eol = this.buffer.indexOf('\r\n');
      if (eol < 0) return false;
      const size = parseInt(this.buffer.subarray(0, eol).toString('latin1'), 16);
      if (Number.isNaN(size)) throw new Error('malformed chunk size');
      // The last chunk (size 0) ends with an empty trailer line: CRLF CRLF.
      const need = size === 0 ? eol + 4 : eol + 2 + size + 2;
      if (this.buffer.length < need) return false;
      this.buffer = this.buffer.subarray(need);
      if (size === 0) this.body = undefined;
      return true;
    }
    const end = this.buffer.indexOf('\r\n\r\n');
    if (end < 0) return false;
    const head = this.buffer.subarray(0, end).toString('latin1');
    this.buffer = this.buffer.subarray(end + 4);
    const status = Number(/^HTTP\/1\.[01] (\d{3})/.exec(head)?.[1] ?? 0);
    // 1xx answers are interim: the request goes on.
    if (status >= 100 && status < 200) return true;
    const started = this.starts.shift();
    this.requestOpen = false;
    this.onResponse(status, started === undefined ? 0 : this.now() - started);
    const length = /\r\ncontent-length:\s*(\d+)/i.exec(head)?.[1];
    if (/\r\ntransfer-encoding:[^\r]*chunked/i.test(head)) this.body = 'chunked';
    else if (length !== undefined && Number(length) > 0) this.body = Number(length);
    return this.buffer.length > 0 || this.body !== undefined;
  }
}
