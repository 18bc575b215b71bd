import { Match } from 'aws-cdk-lib/assertions';
import { describe, expect, it } from 'vitest';
import { functionIdIn, type Resource, type Resources, useStack } from './stack-template.js';

// infra/lib/operations.ts: what tells an operator that something is wrong before users do:
// the HTTP API's access logs, the alarms, their optional SNS topic, and the dashboard.

const stack = useStack();

const alarms = (resources: Resources) =>
  Object.values(resources).filter((r) => r.Type === 'AWS::CloudWatch::Alarm');

/** The alarms on one metric of namespace/name, with the dimension's value (a Ref's id) they watch. */
const alarmsOn = (resources: Resources, namespace: string, metricName: string) =>
  alarms(resources).filter(
    (r) => r.Properties.Namespace === namespace && r.Properties.MetricName === metricName,
  );

const dimensionRef = (alarm: Resource) =>
  ((alarm.Properties.Dimensions as { Value: { Ref: string } }[])[0]?.Value.Ref ?? '') as string;

const FUNCTIONS = ['addImage', 'generateGrid', 'grids', 'renditions', 'buildWorker'];

describe('the HTTP API access logs', () => {
  it('go to a log group of their own, kept a month, a JSON line a request', () => {
    const { resources } = stack;
    const stage = Object.values(resources).find((r) => r.Type === 'AWS::ApiGatewayV2::Stage');
    const settings = stage?.Properties.AccessLogSettings as {
      DestinationArn: { 'Fn::GetAtt': [string, string] };
      Format: string;
    };
    const logGroupId = settings.DestinationArn['Fn::GetAtt'][0];
    expect(resources[logGroupId]?.Type).toBe('AWS::Logs::LogGroup');
    expect(resources[logGroupId]?.Properties.RetentionInDays).toBe(30);
    const line = JSON.parse(settings.Format) as Record<string, string>;
    // The request id is the one the functions log and answer in x-request-id, so a
    // user's report, this log and the function's log line up.
    expect(line).toMatchObject({
      requestId: '$context.requestId',
      routeKey: '$context.routeKey',
      status: '$context.status',
      responseLatency: '$context.responseLatency',
      integrationError: '$context.integrationErrorMessage',
    });
  });
});

describe('the alarms', () => {
  it('watch every function for errors, throttles, and runs near their timeout', () => {
    const { resources } = stack;
    const functionIds = FUNCTIONS.map((handler) => functionIdIn(resources, `index.${handler}`));
    for (const metric of ['Errors', 'Throttles', 'Duration']) {
      expect(alarmsOn(resources, 'AWS/Lambda', metric).map(dimensionRef).sort()).toEqual(
        [...functionIds].sort(),
      );
    }
    for (const alarm of alarmsOn(resources, 'AWS/Lambda', 'Duration')) {
      const fn = resources[dimensionRef(alarm)] as Resource;
      // The slowest run in 5 minutes past 80% of the function's timeout: the next one
      // may not finish.
      expect(alarm.Properties).toMatchObject({
        Statistic: 'Maximum',
        ComparisonOperator: 'GreaterThanThreshold',
        Threshold: (fn.Properties.Timeout as number) * 1000 * 0.8,
      });
    }
    for (const alarm of [
      ...alarmsOn(resources, 'AWS/Lambda', 'Errors'),
      ...alarmsOn(resources, 'AWS/Lambda', 'Throttles'),
    ]) {
      expect(alarm.Properties).toMatchObject({
        Statistic: 'Sum',
        Threshold: 0,
        ComparisonOperator: 'GreaterThanThreshold',
        TreatMissingData: 'notBreaching',
      });
    }
  });

  it('watch both dead-letter queues for any message', () => {
    const { resources } = stack;
    const watched = alarmsOn(resources, 'AWS/SQS', 'ApproximateNumberOfMessagesVisible')
      .map((alarm) => {
        const [dimension] = alarm.Properties.Dimensions as {
          Value: { 'Fn::GetAtt': [string, string] };
        }[];
        return dimension?.Value['Fn::GetAtt'][0];
      })
      .sort();
    expect(watched).toEqual(
      [stack.logicalId('RenditionsFailures'), stack.logicalId('BuildWorkerFailures')].sort(),
    );
  });

  it("watch the API's rate of 5xx answers, not their count", () => {
    const { resources } = stack;
    const [rate, ...others] = alarms(resources).filter((r) => r.Properties.Metrics);
    expect(others).toEqual([]);
    const metrics = rate?.Properties.Metrics as {
      Id: string;
      Expression?: string;
      ReturnData?: boolean;
      MetricStat?: { Metric: { MetricName: string; Namespace: string } };
    }[];
    const names = metrics
      .filter((m) => m.MetricStat)
      .map((m) => `${m.MetricStat?.Metric.Namespace} ${m.MetricStat?.Metric.MetricName}`)
      .sort();
    expect(names).toEqual(['AWS/ApiGateway 5xx', 'AWS/ApiGateway Count']);
    // A handful of requests in a quiet period is no rate: one 5xx of two is not 50%.
    expect(metrics.find((m) => m.ReturnData !== false)?.Expression).toMatch(/IF\(requests >= \d+/);
    expect(rate?.Properties).toMatchObject({ Threshold: 5, TreatMissingData: 'notBreaching' });
  });

  it('notify no one by default: there is no topic', () => {
    stack.template.resourceCountIs('AWS::SNS::Topic', 0);
    expect(alarms(stack.resources).length).toBeGreaterThan(0);
    for (const alarm of alarms(stack.resources))
      expect(alarm.Properties.AlarmActions).toBeUndefined();
  });

  it('notify an SNS topic when given an address, which each alarm and its recovery reach', () => {
    const { template, resources } = stack.synth({ alarmEmail: 'ops@example.com' });
    template.resourceCountIs('AWS::SNS::Topic', 1);
    template.hasResourceProperties('AWS::SNS::Subscription', {
      Protocol: 'email',
      Endpoint: 'ops@example.com',
    });
    const topicId = Object.keys(resources).find(
      (id) => resources[id]?.Type === 'AWS::SNS::Topic',
    ) as string;
    // Only over TLS, like the buckets and the queues.
    template.hasResourceProperties('AWS::SNS::TopicPolicy', {
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({
            Effect: 'Deny',
            Condition: { Bool: { 'aws:SecureTransport': 'false' } },
          }),
        ]),
      },
    });
    expect(alarms(resources).length).toBeGreaterThan(0);
    for (const alarm of alarms(resources)) {
      expect(alarm.Properties.AlarmActions).toEqual([{ Ref: topicId }]);
      expect(alarm.Properties.OKActions).toEqual([{ Ref: topicId }]);
    }
    template.hasOutput('AlarmTopicArn', { Value: { Ref: topicId } });
  });
});

describe('the dashboard', () => {
  it("shows the API, every function and the queues, and is linked from the stack's outputs", () => {
    const { resources, template } = stack;
    const dashboards = Object.values(resources).filter(
      (r) => r.Type === 'AWS::CloudWatch::Dashboard',
    );
    expect(dashboards).toHaveLength(1);
    const body = JSON.stringify(dashboards[0]?.Properties.DashboardBody);
    for (const handler of FUNCTIONS) {
      expect(body).toContain(functionIdIn(resources, `index.${handler}`));
    }
    expect(body).toContain(stack.logicalId('RenditionsFailures'));
    expect(body).toContain(stack.logicalId('BuildWorkerFailures'));
    expect(body).toContain('AWS/ApiGateway');
    const output = template.findOutputs('DashboardUrl');
    expect(JSON.stringify(output)).toContain('cloudwatch/home');
  });
});
