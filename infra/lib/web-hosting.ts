import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { Aws, Duration } from 'aws-cdk-lib';
import {
  Distribution,
  HeadersFrameOption,
  HeadersReferrerPolicy,
  HttpVersion,
  PriceClass,
  ResponseHeadersPolicy,
  ViewerProtocolPolicy,
} from 'aws-cdk-lib/aws-cloudfront';
import { S3BucketOrigin } from 'aws-cdk-lib/aws-cloudfront-origins';
import type { Bucket, IBucket } from 'aws-cdk-lib/aws-s3';
import { BucketDeployment, CacheControl, Source } from 'aws-cdk-lib/aws-s3-deployment';
import { Construct } from 'constructs';
import { contentSecurityPolicy } from '../../src/http/page-content-security-policy.js';
import { functionRole } from './function-role.js';
import { privateBucket } from './private-bucket.js';

export interface WebHostingProps {
  /** The built page: `vite build web` writes it to dist/web. */
  root: string;
  /** The API's base URL (a deploy-time token), written into the page's config.json. */
  apiUrl: string;
  /** The buckets whose presigned URLs the page uploads to, shows and downloads. */
  storageBuckets: IBucket[];
  /** Delete the page's bucket (and its objects) on `cdk destroy`, like the other buckets. */
  destroyData: boolean;
}

/**
 * The web page as static files: a private bucket behind CloudFront (Origin Access
 * Control, HTTPS only), the same security headers as the local server, and a
 * config.json that points the page at the API. The page and the API live on
 * different origins, so the CSP names the API and the buckets of the presigned URLs.
 */
export class WebHosting extends Construct {
  readonly distribution: Distribution;
  /** The page's files. */
  readonly bucket: Bucket;
  /** `https://` + the distribution's domain name: the page's origin. */
  readonly url: string;

  constructor(scope: Construct, id: string, props: WebHostingProps) {
    super(scope, id);
    if (!existsSync(join(props.root, 'index.html'))) {
      throw new Error(
        `The web page is not built (${join(props.root, 'index.html')} is missing): run \`npm run build\` ` +
          '(npm run deploy and npm run synth do it first), or deploy the API alone with -c web=false.',
      );
    }

    // BucketDeployment never empties a bucket that the stack's deployments own, so
    // deleting it with destroyData needs the auto-delete of privateBucket.
    const bucket = privateBucket(this, 'PageBucket', props.destroyData);
    this.bucket = bucket;

    // The SDK signs virtual-hosted URLs on the regional endpoint:
    // https://BUCKET.s3.REGION.amazonaws.com/KEY?X-Amz-... (amazonaws.com.cn in China).
    const storageOrigins = props.storageBuckets.map(
      (b) => `https://${b.bucketName}.s3.${Aws.REGION}.${Aws.URL_SUFFIX}`,
    );
    const headers = new ResponseHeadersPolicy(this, 'PageHeaders', {
      comment: 'GridBuilder page: the CSP and headers the local server sends',
      securityHeadersBehavior: {
        contentSecurityPolicy: {
          contentSecurityPolicy: contentSecurityPolicy([props.apiUrl, ...storageOrigins]),
          override: true,
        },
        contentTypeOptions: { override: true },
        frameOptions: { frameOption: HeadersFrameOption.DENY, override: true },
        referrerPolicy: { referrerPolicy: HeadersReferrerPolicy.NO_REFERRER, override: true },
        strictTransportSecurity: { accessControlMaxAge: Duration.days(365), override: true },
      },
    });

    this.distribution = new Distribution(this, 'Distribution', {
      comment: 'GridBuilder web page',
      defaultRootObject: 'index.html',
      defaultBehavior: {
        origin: S3BucketOrigin.withOriginAccessControl(bucket),
        viewerProtocolPolicy: ViewerProtocolPolicy.REDIRECT_TO_HTTPS,
        responseHeadersPolicy: headers,
        compress: true,
      },
      httpVersion: HttpVersion.HTTP2_AND_3,
      // North America and Europe edges: the cheapest class; a few static files need no more.
      priceClass: PriceClass.PRICE_CLASS_100,
    });
    this.url = `https://${this.distribution.distributionDomainName}`;

    // The deployments' function gets its own role and log group.
    const { role, logGroup } = functionRole(
      this,
      'Deploy',
      'GridBuilder page deployment: copies the built page into its bucket',
    );

    // Cache headers as the local server sends them. No CloudFront invalidation (CDK
    // grants that on "*"): index.html and config.json say no-cache, so CloudFront keeps
    // them one second (the managed CachingOptimized policy's minimum), and everything
    // under assets/ is named by its content hash.
    const built = Source.asset(props.root, { exclude: ['config.json'] });
    const common = { destinationBucket: bucket, role, logGroup };
    // Hashed assets first, and never pruned: a browser still holding the previous
    // index.html keeps finding its scripts while the new one goes live.
    const assets = new BucketDeployment(this, 'DeployAssets', {
      ...common,
      sources: [built],
      exclude: ['*'],
      include: ['assets/*'],
      prune: false,
      cacheControl: [
        CacheControl.setPublic(),
        CacheControl.maxAge(Duration.days(365)),
        CacheControl.immutable(),
      ],
    });
    const page = new BucketDeployment(this, 'DeployPage', {
      ...common,
      sources: [
        built,
        // The API's URL is resolved when the stack deploys, not at synth.
        Source.jsonData('config.json', { apiUrl: props.apiUrl }),
      ],
      exclude: ['assets/*'],
      cacheControl: [CacheControl.noCache()],
    });
    page.node.addDependency(assets);
  }
}
