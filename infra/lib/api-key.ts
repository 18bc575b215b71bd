import { Secret } from 'aws-cdk-lib/aws-secretsmanager';
import { Construct } from 'constructs';

/**
 * The API's key under auth 'apikey' (the default): a secret generated at deploy, which
 * the API functions read at their cold start and check as API_KEYS
 * (src/lambda/api-keys-secret.ts). Letters and digits only, so the value is a valid
 * key as it is and survives being copied through a shell or a header.
 */
export class ApiKey extends Construct {
  readonly secret: Secret;

  constructor(scope: Construct, id: string) {
    super(scope, id);
    this.secret = new Secret(this, 'Secret', {
      description:
        'GridBuilder API key: send it as "Authorization: Bearer <key>". Several keys, ' +
        'comma-separated, are all accepted; a new value reaches new Lambda sandboxes only.',
      generateSecretString: { passwordLength: 48, excludePunctuation: true, includeSpace: false },
    });
  }
}
