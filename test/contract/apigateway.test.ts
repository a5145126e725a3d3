// The provider contract for API Gateway: a REST API stage of the lab model, read and written through
// the lab's API Gateway API with the real SDK client. Every one-decimal step is representable.
import { APIGatewayClient } from '@aws-sdk/client-api-gateway';
import { ApiGatewayModel, startApiGatewayApi } from '../../lab/aws/apigateway-api.ts';
import { setClients } from '../../lambdas/providers/clients.ts';
import { apiGatewayProvider } from '../../lambdas/providers/traffic/apigateway.ts';
import { providerContract } from './contract.ts';

async function backend() {
  const model = new ApiGatewayModel();
  model.createRestApi('a1b2c3d4e5', 'orders');
  for (const d of ['blue1', 'green1']) model.createDeployment('a1b2c3d4e5', d);
  model.createStage('a1b2c3d4e5', { stageName: 'prod', deploymentId: 'blue1', variables: { color: 'blue' } });
  const api = await startApiGatewayApi(model);
  const apigateway = new APIGatewayClient({ endpoint: api.url, region: 'us-east-1', credentials: { accessKeyId: 'x', secretAccessKey: 'x' } });
  setClients({ apigateway });
  let writes = 0;
  model.onChange(() => writes++);
  return {
    target: { type: 'apigateway' as const, stageArn: 'arn:aws:apigateway:us-east-1::/restapis/a1b2c3d4e5/stages/prod', deploymentId: 'green1' },
    sdkClients: [apigateway],
    writes: () => writes,
    drift: async () => {
      model.updateStage('a1b2c3d4e5', 'prod', [{ op: 'replace', path: '/canarySettings/percentTraffic', value: '33' }]);
    },
    close: () => api.close(),
  };
}

providerContract('apigateway (REST API stage canary)', apiGatewayProvider, backend, { steps: [0.1, 1, 10, 50, 100] });
