import { Match } from 'aws-cdk-lib/assertions';
import { describe, expect, it } from 'vitest';
import { PRIVATE_BUCKET, useStack } from './stack-template.js';

// infra/lib/private-bucket.ts: every bucket of the stack, the source and destination
// buckets of storage.ts and the page's of web-hosting.ts.

const stack = useStack();

describe('every bucket', () => {
  it('blocks public access, encrypts with S3-managed keys and is owned by the bucket owner', () => {
    // Source, destination and the web page's.
    stack.template.resourceCountIs('AWS::S3::Bucket', 3);
    const buckets = stack.template.findResources('AWS::S3::Bucket');
    for (const bucket of Object.values(buckets)) {
      expect(bucket.Properties).toMatchObject({
        ...PRIVATE_BUCKET,
        OwnershipControls: { Rules: [{ ObjectOwnership: 'BucketOwnerEnforced' }] },
      });
    }
  });

  it('refuses every request that is not over TLS', () => {
    for (const bucket of ['SourceBucket', 'DestinationBucket', 'WebPageBucket']) {
      stack.template.hasResourceProperties('AWS::S3::BucketPolicy', {
        Bucket: { Ref: stack.logicalId(`${bucket}`) },
        PolicyDocument: {
          Statement: Match.arrayWith([
            Match.objectLike({
              Effect: 'Deny',
              Action: 's3:*',
              Condition: { Bool: { 'aws:SecureTransport': 'false' } },
            }),
          ]),
        },
      });
    }
  });

  it('is kept on destroy, and emptied and deleted with destroyData', () => {
    const buckets = (template: typeof stack.template) =>
      Object.values(template.findResources('AWS::S3::Bucket'));
    for (const bucket of buckets(stack.template)) expect(bucket.DeletionPolicy).toBe('Retain');
    stack.template.resourceCountIs('Custom::S3AutoDeleteObjects', 0);
    const destroyed = stack.synth({ destroyData: true }).template;
    expect(buckets(destroyed)).toHaveLength(3);
    for (const bucket of buckets(destroyed)) expect(bucket.DeletionPolicy).toBe('Delete');
    destroyed.resourceCountIs('Custom::S3AutoDeleteObjects', 3);
  });
});
