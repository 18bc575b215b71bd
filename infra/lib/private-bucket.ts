import { RemovalPolicy } from 'aws-cdk-lib';
import {
  BlockPublicAccess,
  Bucket,
  BucketEncryption,
  type BucketProps,
  ObjectOwnership,
} from 'aws-cdk-lib/aws-s3';
import type { Construct } from 'constructs';

/**
 * A bucket no one reaches but through its policy, its owner's roles or a presigned URL:
 * public access blocked, ACLs disabled, S3-managed encryption, TLS only. Kept on
 * `cdk destroy` unless destroyData, which also empties it (CloudFormation cannot delete
 * a bucket that holds objects).
 */
export function privateBucket(
  scope: Construct,
  id: string,
  destroyData: boolean,
  props: BucketProps = {},
): Bucket {
  return new Bucket(scope, id, {
    blockPublicAccess: BlockPublicAccess.BLOCK_ALL,
    encryption: BucketEncryption.S3_MANAGED,
    enforceSSL: true,
    objectOwnership: ObjectOwnership.BUCKET_OWNER_ENFORCED,
    removalPolicy: destroyData ? RemovalPolicy.DESTROY : RemovalPolicy.RETAIN,
    autoDeleteObjects: destroyData,
    ...props,
  });
}
