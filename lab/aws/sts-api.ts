// STS-compatible GetCallerIdentity for serve mode: the CLI records who approved or aborted (the
// caller's AWS identity), so the lab answers with a fixed lab operator. AWS query protocol, XML.
import { randomUUID } from 'node:crypto';
import { createServer } from 'node:http';
import { listenLocal, readBody, type LocalServer } from './local-server.ts';

export async function startStsApi(options: { account?: string; port?: number } = {}): Promise<LocalServer> {
  const account = options.account ?? '123456789012';
  const server = createServer((req, res) => {
    readBody(req).then(
      (body) => {
        const action = new URLSearchParams(body).get('Action');
        const requestId = randomUUID();
        res.writeHead(action === 'GetCallerIdentity' ? 200 : 400, { 'content-type': 'text/xml', 'x-amzn-requestid': requestId });
        res.end(
          action === 'GetCallerIdentity'
            ? `<GetCallerIdentityResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/"><GetCallerIdentityResult>` +
                `<Arn>arn:aws:sts::${account}:assumed-role/lab-operator/lab</Arn><UserId>AROALABOPERATOR:lab</UserId><Account>${account}</Account>` +
                `</GetCallerIdentityResult><ResponseMetadata><RequestId>${requestId}</RequestId></ResponseMetadata></GetCallerIdentityResponse>`
            : `<ErrorResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/"><Error><Type>Sender</Type><Code>InvalidAction</Code>` +
                `<Message>The lab's STS only implements GetCallerIdentity</Message></Error><RequestId>${requestId}</RequestId></ErrorResponse>`,
        );
      },
      () => res.destroy(),
    );
  });
  return listenLocal(server, options.port);
}
