// Every lab server listens on 127.0.0.1 only and, once closed, leaves nothing listening or connected.
import type { IncomingMessage, Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface LocalServer {
  /** `http://127.0.0.1:<port>` */
  url: string;
  close(): Promise<void>;
}

/** Listen on 127.0.0.1 (port 0 = any free port). `close()` also drops keep-alive connections, which would hold it open. */
export async function listenLocal(server: Server, port = 0): Promise<LocalServer> {
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  const { port: bound } = server.address() as AddressInfo;
  let closing: Promise<void> | undefined;
  return {
    url: `http://127.0.0.1:${bound}`,
    close: () =>
      (closing ??= new Promise<void>((resolve, reject) => {
        server.close((err) => (err ? reject(err) : resolve()));
        server.closeAllConnections();
      })),
  };
}

/** The whole request body as text; refuses bodies over `limit` bytes (the lab APIs only get small ones). */
export async function readBody(req: IncomingMessage, limit = 1_000_000): Promise<string> {
  return (await readBytes(req, limit)).toString('utf8');
}

/** The whole request body as bytes (CBOR), with the same limit. */
export async function readBytes(req: IncomingMessage, limit = 1_000_000): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > limit) throw new Error(`request body over ${limit} bytes`);
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks);
}
