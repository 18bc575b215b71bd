import { RemovalPolicy } from 'aws-cdk-lib';
import { PolicyStatement, Role, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { LogGroup, RetentionDays } from 'aws-cdk-lib/aws-logs';
import type { Construct } from 'constructs';

/**
 * A Lambda function's own log group (`${name}Logs`, kept a month) and role
 * (`${name}Role`) that may write to it alone: the role CDK would create carries
 * AWSLambdaBasicExecutionRole, whose log statement is on "*". Grant the rest to the role.
 */
export function functionRole(
  scope: Construct,
  name: string,
  description: string,
): { role: Role; logGroup: LogGroup } {
  const logGroup = new LogGroup(scope, `${name}Logs`, {
    retention: RetentionDays.ONE_MONTH,
    removalPolicy: RemovalPolicy.DESTROY,
  });
  const role = new Role(scope, `${name}Role`, {
    assumedBy: new ServicePrincipal('lambda.amazonaws.com'),
    description,
  });
  role.addToPrincipalPolicy(
    new PolicyStatement({
      actions: ['logs:CreateLogStream', 'logs:PutLogEvents'],
      resources: [logGroup.logGroupArn],
    }),
  );
  return { role, logGroup };
}
