import { Match, type Template } from 'aws-cdk-lib/assertions';
import { describe, expect, it } from 'vitest';
import { useStack } from './stack-template.js';

// infra/lib/api.ts: the HTTP API, its routes, CORS and the Cognito authorizer.

const stack = useStack();

describe('the HTTP API', () => {
  const routeKeys = (template: Template) =>
    Object.values(template.findResources('AWS::ApiGatewayV2::Route'))
      .map((r) => r.Properties.RouteKey as string)
      .sort();

  it("has the lab's two routes, the grid routes and /health, each on its function", () => {
    const { template } = stack;
    template.resourceCountIs('AWS::ApiGatewayV2::Api', 1);
    expect(routeKeys(template)).toEqual([
      'DELETE /grids/{gridId}',
      'DELETE /grids/{gridId}/images/{imageId}',
      'GET /docs',
      'GET /grids/{gridId}',
      'GET /grids/{gridId}/builds/{buildId}',
      'GET /health',
      'GET /openapi.json',
      'POST /add_image',
      'POST /generate_grid',
      'POST /grids/{gridId}/uploads',
      'POST /grids/{gridId}/uploads/{uploadId}/confirm',
    ]);
    const integrationOf = (routeKey: string) =>
      Object.values(template.findResources('AWS::ApiGatewayV2::Route')).find(
        (r) => r.Properties.RouteKey === routeKey,
      )?.Properties.Target;
    expect(JSON.stringify(integrationOf('POST /add_image'))).toContain('AddImageIntegration');
    expect(JSON.stringify(integrationOf('POST /generate_grid'))).toContain(
      'GenerateGridIntegration',
    );
    // A build's status is read by the grid routes' function, not by the worker running it.
    expect(JSON.stringify(integrationOf('GET /grids/{gridId}/builds/{buildId}'))).toContain(
      'GridsIntegration',
    );
    template.allResourcesProperties('AWS::ApiGatewayV2::Integration', {
      IntegrationType: 'AWS_PROXY',
      PayloadFormatVersion: '2.0',
    });
  });

  it('answers CORS preflights and outputs its URL', () => {
    stack.template.hasResourceProperties('AWS::ApiGatewayV2::Api', {
      ProtocolType: 'HTTP',
      CorsConfiguration: Match.objectLike({
        AllowOrigins: ['*'],
        AllowMethods: Match.arrayWith(['POST', 'PUT', 'DELETE']),
        // API Gateway's CORS answers replace the function's (src/http/cors.ts): a page
        // may ask for a build in the background and follow it, as on the local server.
        AllowHeaders: ['content-type', 'authorization', 'prefer', 'content-disposition'],
        ExposeHeaders: ['location', 'retry-after', 'preference-applied', 'x-request-id'],
      }),
    });
    stack.template.hasOutput('ApiUrl', {
      Value: { 'Fn::GetAtt': [stack.logicalId('HttpApi'), 'ApiEndpoint'] },
    });
  });

  it('takes the CORS origins given (-c corsOrigins), like the buckets', () => {
    const origins = ['https://d111111abcdef8.cloudfront.net', 'https://grids.example.com'];
    stack.synth({ corsOrigins: origins }).template.hasResourceProperties('AWS::ApiGatewayV2::Api', {
      CorsConfiguration: Match.objectLike({ AllowOrigins: origins }),
    });
  });

  it('checks an API key in the functions by default: no authorizer, no user pool', () => {
    stack.template.resourceCountIs('AWS::ApiGatewayV2::Authorizer', 0);
    stack.template.resourceCountIs('AWS::Cognito::UserPool', 0);
    stack.template.resourceCountIs('AWS::SecretsManager::Secret', 1);
  });

  it('is behind a Cognito JWT authorizer with -c auth=cognito, and has no API key then', () => {
    const secured = stack.synth({ auth: 'cognito' }).template;
    secured.resourceCountIs('AWS::Cognito::UserPool', 1);
    secured.resourceCountIs('AWS::SecretsManager::Secret', 0);
    secured.hasResourceProperties('AWS::ApiGatewayV2::Authorizer', {
      AuthorizerType: 'JWT',
      IdentitySource: ['$request.header.Authorization'],
    });
    const routes = Object.values(secured.findResources('AWS::ApiGatewayV2::Route')).map(
      (r) => r.Properties,
    );
    for (const route of routes) {
      const open = ['GET /health', 'GET /docs', 'GET /openapi.json'].includes(route.RouteKey);
      expect(route.AuthorizationType, route.RouteKey).toBe(open ? 'NONE' : 'JWT');
    }
    secured.hasOutput('UserPoolClientId', {});
  });

  it('is open with -c auth=none: no authorizer, no user pool, no API key', () => {
    const open = stack.synth({ auth: 'none' }).template;
    for (const type of [
      'AWS::ApiGatewayV2::Authorizer',
      'AWS::Cognito::UserPool',
      'AWS::SecretsManager::Secret',
    ]) {
      open.resourceCountIs(type, 0);
    }
  });

  it('throttles its stage: 50 requests a second, bursts of 100, or what -c throttleRate/throttleBurst say', () => {
    const throttle = (template: Template) =>
      Object.values(template.findResources('AWS::ApiGatewayV2::Stage')).map(
        (r) => r.Properties.DefaultRouteSettings,
      );
    expect(throttle(stack.template)).toEqual([
      { ThrottlingRateLimit: 50, ThrottlingBurstLimit: 100 },
    ]);
    expect(throttle(stack.synth({ throttle: { rate: 5, burst: 20 } }).template)).toEqual([
      { ThrottlingRateLimit: 5, ThrottlingBurstLimit: 20 },
    ]);
  });
});
