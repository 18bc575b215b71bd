import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import {
  type CfnStage,
  CorsHttpMethod,
  HttpApi,
  HttpMethod,
  HttpNoneAuthorizer,
  type IHttpRouteAuthorizer,
} from 'aws-cdk-lib/aws-apigatewayv2';
import { HttpUserPoolAuthorizer } from 'aws-cdk-lib/aws-apigatewayv2-authorizers';
import { HttpLambdaIntegration } from 'aws-cdk-lib/aws-apigatewayv2-integrations';
import { UserPool, UserPoolClient } from 'aws-cdk-lib/aws-cognito';
import { Construct } from 'constructs';
import { CORS_ALLOW_HEADERS, CORS_EXPOSE_HEADERS } from '../../src/http/cors.js';
import type { Functions } from './functions.js';

/** Routes open even with auth on. */
const OPEN_ROUTES = ['/health', '/openapi.json', '/docs'];

/**
 * Who may call the API: 'apikey', the functions check a key generated at deploy
 * (infra/lib/api-key.ts); 'cognito', a JWT authorizer (Cognito user pool) on every
 * route but /health and the docs; 'none', anyone, as in the lab.
 */
export type ApiAuth = 'apikey' | 'cognito' | 'none';

/** The default stage's throttle, for all its routes together. */
export interface ApiThrottle {
  /** Requests a second, on average. */
  rate: number;
  /** Requests at once above the rate (API Gateway's token bucket). */
  burst: number;
}

export interface ApiProps {
  /** The functions behind the routes. */
  functions: Functions;
  auth: ApiAuth;
  throttle: ApiThrottle;
  /** Origins whose pages may call the API from a browser. */
  corsOrigins: string[];
  /** Delete the user pool on `cdk destroy`, like the buckets and the table. */
  destroyData: boolean;
}

/**
 * The HTTP API: the lab's two routes, the grid routes and the open ones (health, the
 * API's documentation), each on its function; CORS preflights answered by API Gateway;
 * a throttled default stage; with auth 'cognito', a user pool and its JWT authorizer.
 */
export class Api extends Construct {
  readonly httpApi: HttpApi;
  /** The user pool and the client the page or a script signs in with, under auth 'cognito'. */
  readonly cognito: { userPool: UserPool; client: UserPoolClient } | undefined;
  private readonly auth: ApiProps['auth'];

  constructor(scope: Construct, id: string, props: ApiProps) {
    super(scope, id);
    this.auth = props.auth;
    let authorizer: IHttpRouteAuthorizer | undefined;
    if (props.auth === 'cognito') {
      const userPool = new UserPool(this, 'UserPool', {
        selfSignUpEnabled: false,
        signInAliases: { email: true },
        // Cognito's own default, written out (cdk-nag's COG1 asks for it), and longer.
        passwordPolicy: {
          minLength: 12,
          requireLowercase: true,
          requireUppercase: true,
          requireDigits: true,
          requireSymbols: true,
        },
        removalPolicy: props.destroyData ? RemovalPolicy.DESTROY : RemovalPolicy.RETAIN,
      });
      const client = new UserPoolClient(this, 'UserPoolClient', {
        userPool,
        authFlows: { userPassword: true, userSrp: true },
        generateSecret: false,
      });
      authorizer = new HttpUserPoolAuthorizer('CognitoAuthorizer', userPool, {
        userPoolClients: [client],
      });
      this.cognito = { userPool, client };
    }

    this.httpApi = new HttpApi(this, 'HttpApi', {
      apiName: 'GridBuilder',
      description: 'GridBuilder: the lab "Moving to Amazon API Gateway" as code',
      corsPreflight: {
        allowOrigins: props.corsOrigins,
        allowMethods: [
          CorsHttpMethod.GET,
          CorsHttpMethod.POST,
          CorsHttpMethod.PUT,
          CorsHttpMethod.DELETE,
          CorsHttpMethod.OPTIONS,
        ],
        // The server's own lists (src/http/cors.ts), whose headers API Gateway's replace.
        allowHeaders: CORS_ALLOW_HEADERS,
        exposeHeaders: CORS_EXPOSE_HEADERS,
        maxAge: Duration.minutes(10),
      },
      ...(authorizer ? { defaultAuthorizer: authorizer } : {}),
    });

    // HttpApi takes no throttle for the stage it creates; its CloudFormation resource does.
    const stage = this.httpApi.defaultStage?.node.defaultChild as CfnStage;
    stage.defaultRouteSettings = {
      throttlingRateLimit: props.throttle.rate,
      throttlingBurstLimit: props.throttle.burst,
    };

    const { addImage, generateGrid, grids } = props.functions;
    const gridsIntegration = new HttpLambdaIntegration('GridsIntegration', grids);
    const routes: [string, HttpMethod[], HttpLambdaIntegration][] = [
      ['/add_image', [HttpMethod.POST], new HttpLambdaIntegration('AddImageIntegration', addImage)],
      [
        '/generate_grid',
        [HttpMethod.POST],
        new HttpLambdaIntegration('GenerateGridIntegration', generateGrid),
      ],
      ['/grids/{gridId}', [HttpMethod.GET, HttpMethod.DELETE], gridsIntegration],
      ['/grids/{gridId}/images/{imageId}', [HttpMethod.DELETE], gridsIntegration],
      ['/grids/{gridId}/uploads', [HttpMethod.POST], gridsIntegration],
      ['/grids/{gridId}/uploads/{uploadId}/confirm', [HttpMethod.POST], gridsIntegration],
      ['/grids/{gridId}/builds/{buildId}', [HttpMethod.GET], gridsIntegration],
    ];
    for (const [path, methods, integration] of routes) {
      this.httpApi.addRoutes({ path, methods, integration });
    }
    // Open even with auth on: health checks and the API's own documentation.
    for (const path of OPEN_ROUTES) {
      this.httpApi.addRoutes({
        path,
        methods: [HttpMethod.GET],
        integration: gridsIntegration,
        authorizer: new HttpNoneAuthorizer(),
      });
    }
  }

  /**
   * Why the route (its construct id, e.g. "GET--health") has no authorizer of API
   * Gateway's, for cdk-nag's APIG4; undefined when it has one.
   */
  authorizationReason(routeId: string): string | undefined {
    if (OPEN_ROUTES.some((path) => routeId === `GET${path.replaceAll('/', '--')}`)) {
      return "Open on purpose: health checks and the API's own documentation hold no data.";
    }
    if (this.auth === 'none') {
      return "Deployed open on purpose with -c auth=none, as the lab's API is; the synthesis warns about it.";
    }
    if (this.auth === 'apikey') {
      return (
        'The functions check the API key (Authorization: Bearer, src/http/api-key-auth.ts) ' +
        'before anything else; the key is generated at deploy into Secrets Manager.'
      );
    }
    return undefined;
  }
}
