import { Duration, RemovalPolicy, Stack } from 'aws-cdk-lib';
import type { CfnStage, HttpApi } from 'aws-cdk-lib/aws-apigatewayv2';
import {
  Alarm,
  AlarmStatusWidget,
  ComparisonOperator,
  Dashboard,
  GraphWidget,
  type IMetric,
  MathExpression,
  type Metric,
  Stats,
  TreatMissingData,
} from 'aws-cdk-lib/aws-cloudwatch';
import { SnsAction } from 'aws-cdk-lib/aws-cloudwatch-actions';
import type { NodejsFunction } from 'aws-cdk-lib/aws-lambda-nodejs';
import { LogGroup, RetentionDays } from 'aws-cdk-lib/aws-logs';
import { Topic } from 'aws-cdk-lib/aws-sns';
import { EmailSubscription } from 'aws-cdk-lib/aws-sns-subscriptions';
import type { Queue } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import type { Functions } from './functions.js';

export interface OperationsProps {
  httpApi: HttpApi;
  functions: Functions;
  /** An address the alarms are mailed to, through an SNS topic; none: no topic. */
  alarmEmail?: string;
}

/** One alarm period: short enough to hear of an outage in minutes, long enough to smooth single blips. */
const PERIOD = Duration.minutes(5);
/** Fewer requests than this in a period are too few for a 5xx rate to mean anything. */
const MIN_REQUESTS_FOR_RATE = 20;
/** Percent of answers that are 5xx in a period. */
const SERVER_ERROR_PERCENT = 5;
/** Share of a function's timeout its slowest run may take before the next one may not finish. */
const NEAR_TIMEOUT = 0.8;

/**
 * What tells an operator something is wrong before users do: the HTTP API's access log
 * (a JSON line a request, with the request id the functions log and answer), alarms on
 * the API's 5xx rate, on every function's errors, throttles and runs near their timeout,
 * and on the dead-letter queues; with `alarmEmail`, an SNS topic that mails them. And a
 * dashboard of the same metrics.
 */
export class Operations extends Construct {
  readonly alarms: Alarm[] = [];
  readonly topic: Topic | undefined;
  readonly dashboard: Dashboard;

  constructor(scope: Construct, id: string, props: OperationsProps) {
    super(scope, id);
    const { httpApi, functions } = props;
    this.logAccess(httpApi);

    if (props.alarmEmail) {
      this.topic = new Topic(this, 'AlarmTopic', {
        displayName: 'GridBuilder alarms',
        enforceSSL: true,
      });
      this.topic.addSubscription(new EmailSubscription(props.alarmEmail));
    }

    const requests = httpApi.metricCount({ period: PERIOD, statistic: Stats.SUM });
    const serverErrors = httpApi.metricServerError({ period: PERIOD, statistic: Stats.SUM });
    const serverErrorRate = new MathExpression({
      expression: `IF(requests >= ${MIN_REQUESTS_FOR_RATE}, 100 * errors / requests, 0)`,
      usingMetrics: { requests, errors: serverErrors },
      period: PERIOD,
      label: '5xx answers (%)',
    });
    this.alarm(
      'ApiServerErrors',
      serverErrorRate,
      SERVER_ERROR_PERCENT,
      `More than ${SERVER_ERROR_PERCENT}% of the API's answers were 5xx in 5 minutes (with at least ${MIN_REQUESTS_FOR_RATE} requests).`,
    );

    const named = Object.entries({
      AddImage: functions.addImage,
      GenerateGrid: functions.generateGrid,
      Grids: functions.grids,
      Renditions: functions.renditions,
      BuildWorker: functions.buildWorker,
    });
    for (const [name, fn] of named) this.watchFunction(name, fn);
    const queues = Object.entries({
      RenditionsFailures: functions.renditionsFailures,
      BuildWorkerFailures: functions.buildWorkerFailures,
    });
    for (const [name, queue] of queues) {
      this.alarm(
        `${name}Waiting`,
        this.queueDepth(queue),
        0,
        `${name}: events Lambda gave up on after its retries wait for a person to look at them.`,
      );
    }

    this.dashboard = new Dashboard(this, 'Dashboard', {
      dashboardName: `${Stack.of(this).stackName}-operations`,
      defaultInterval: Duration.hours(3),
    });
    this.dashboard.addWidgets(
      new AlarmStatusWidget({ title: 'Alarms', alarms: this.alarms, width: 24, height: 4 }),
    );
    this.dashboard.addWidgets(
      new GraphWidget({
        title: 'API requests and errors',
        left: [requests, httpApi.metricClientError({ period: PERIOD }), serverErrors],
        right: [serverErrorRate],
        width: 12,
      }),
      new GraphWidget({
        title: 'API latency (ms)',
        left: [
          httpApi.metricLatency({ period: PERIOD, statistic: Stats.percentile(50) }),
          httpApi.metricLatency({ period: PERIOD, statistic: Stats.percentile(99) }),
        ],
        width: 12,
      }),
    );
    const perFunction = (title: string, metric: (fn: NodejsFunction) => Metric) =>
      new GraphWidget({
        title,
        left: named.map(([name, fn]) => metric(fn).with({ label: name, period: PERIOD })),
        width: 8,
      });
    this.dashboard.addWidgets(
      perFunction('Invocations', (fn) => fn.metricInvocations()),
      perFunction('Errors', (fn) => fn.metricErrors()),
      perFunction('Throttles', (fn) => fn.metricThrottles()),
    );
    this.dashboard.addWidgets(
      perFunction('Duration, slowest (ms)', (fn) =>
        fn.metricDuration({ statistic: Stats.MAXIMUM }),
      ),
      perFunction('Concurrent executions', (fn) =>
        fn.metric('ConcurrentExecutions', { statistic: Stats.MAXIMUM }),
      ),
      new GraphWidget({
        title: 'Dead-letter queues (messages)',
        left: queues.map(([name, queue]) => this.queueDepth(queue).with({ label: name })),
        width: 8,
      }),
    );
  }

  /** An alarm when the metric passes the threshold in one period; mailed when there is a topic. */
  private alarm(id: string, metric: IMetric, threshold: number, description: string): void {
    const alarm = new Alarm(this, id, {
      metric,
      threshold,
      evaluationPeriods: 1,
      comparisonOperator: ComparisonOperator.GREATER_THAN_THRESHOLD,
      // No data is no traffic, not a failure.
      treatMissingData: TreatMissingData.NOT_BREACHING,
      alarmDescription: description,
    });
    if (this.topic) {
      alarm.addAlarmAction(new SnsAction(this.topic));
      alarm.addOkAction(new SnsAction(this.topic));
    }
    this.alarms.push(alarm);
  }

  private watchFunction(name: string, fn: NodejsFunction): void {
    const timeout = fn.timeout ?? Duration.seconds(3);
    this.alarm(
      `${name}Errors`,
      fn.metricErrors({ period: PERIOD, statistic: Stats.SUM }),
      0,
      `${name}: an invocation failed (an exception, a timeout, or out of memory).`,
    );
    this.alarm(
      `${name}Throttles`,
      fn.metricThrottles({ period: PERIOD, statistic: Stats.SUM }),
      0,
      `${name}: Lambda refused invocations (reserved or account concurrency used up).`,
    );
    this.alarm(
      `${name}NearTimeout`,
      fn.metricDuration({ period: PERIOD, statistic: Stats.MAXIMUM }),
      timeout.toMilliseconds() * NEAR_TIMEOUT,
      `${name}: a run took over ${NEAR_TIMEOUT * 100}% of its ${timeout.toHumanString()} timeout.`,
    );
  }

  private queueDepth(queue: Queue) {
    return queue.metricApproximateNumberOfMessagesVisible({
      period: PERIOD,
      statistic: Stats.MAXIMUM,
    });
  }

  /**
   * CDK's HttpApi takes no options for the stage it creates: the access log is set on
   * that stage's CloudFormation resource.
   */
  private logAccess(httpApi: HttpApi): void {
    const logGroup = new LogGroup(this, 'ApiAccessLogs', {
      retention: RetentionDays.ONE_MONTH,
      removalPolicy: RemovalPolicy.DESTROY,
    });
    const stage = httpApi.defaultStage?.node.defaultChild as CfnStage;
    stage.accessLogSettings = {
      destinationArn: logGroup.logGroupArn,
      format: JSON.stringify({
        requestId: '$context.requestId',
        ip: '$context.identity.sourceIp',
        requestTime: '$context.requestTime',
        method: '$context.httpMethod',
        routeKey: '$context.routeKey',
        path: '$context.path',
        status: '$context.status',
        protocol: '$context.protocol',
        responseLength: '$context.responseLength',
        responseLatency: '$context.responseLatency',
        integrationLatency: '$context.integrationLatency',
        integrationError: '$context.integrationErrorMessage',
        authorizerError: '$context.authorizer.error',
      }),
    };
  }
}
