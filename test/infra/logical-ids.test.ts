import { App, CfnElement, RemovalPolicy, Stack } from 'aws-cdk-lib';
import { HttpApi, HttpMethod } from 'aws-cdk-lib/aws-apigatewayv2';
import { HttpUrlIntegration } from 'aws-cdk-lib/aws-apigatewayv2-integrations';
import { AttributeType, TableV2 } from 'aws-cdk-lib/aws-dynamodb';
import { Bucket } from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';
import { describe, expect, it } from 'vitest';
import { logicalIdOf } from '../../infra/lib/logical-ids.js';

describe('logicalIdOf', () => {
  it("gives every element the id CDK's own naming gives it, from its path below the stack", () => {
    const stack = new Stack(new App(), 'Naming');
    new TableV2(stack, 'ImagesTable', {
      partitionKey: { name: 'id', type: AttributeType.STRING },
    });
    // A nested scope, a hidden "Default" child, a custom resource provider's long ids,
    // ids with dashes and dots, and an id its parent's ends with.
    const group = new Construct(stack, 'Group');
    new Bucket(new Construct(group, 'Default'), 'Source-Bucket.1', {
      autoDeleteObjects: true,
      removalPolicy: RemovalPolicy.DESTROY,
      enforceSSL: true,
    });
    new Bucket(new Construct(group, 'PageBucket'), 'Bucket');
    const api = new HttpApi(group, 'HttpApi');
    api.addRoutes({
      path: '/grids/{gridId}',
      methods: [HttpMethod.GET],
      integration: new HttpUrlIntegration('Site', 'https://example.com'),
    });

    const elements = stack.node.findAll().filter(CfnElement.isCfnElement);
    expect(elements.length).toBeGreaterThan(8);
    for (const element of elements) {
      const path = element.node.scopes.slice(1 + element.node.scopes.indexOf(stack));
      expect(logicalIdOf(path.map((scope) => scope.node.id)), element.node.path).toBe(
        stack.resolve(element.logicalId),
      );
    }
  });
});
