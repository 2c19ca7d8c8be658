import type { Config } from '../../config';
import type { Logger } from '../../logger';
import { createS3Storage } from './s3';
import type { ObjectStorage } from './storage';

/** The S3 storage the configuration names, or undefined when no bucket is configured. */
export function s3StorageFromConfig(
  config: Pick<
    Config,
    | 'S3_BUCKET_NAME'
    | 'AWS_REGION'
    | 'AWS_ACCESS_KEY_ID'
    | 'AWS_SECRET_ACCESS_KEY'
    | 'AWS_SESSION_TOKEN'
    | 'S3_ENDPOINT'
  >,
  deps: { fetch?: typeof fetch; logger?: Logger } = {},
): ObjectStorage | undefined {
  if (!config.S3_BUCKET_NAME || !config.AWS_ACCESS_KEY_ID || !config.AWS_SECRET_ACCESS_KEY) return undefined;
  return createS3Storage({
    bucket: config.S3_BUCKET_NAME,
    region: config.AWS_REGION,
    accessKeyId: config.AWS_ACCESS_KEY_ID,
    secretAccessKey: config.AWS_SECRET_ACCESS_KEY,
    sessionToken: config.AWS_SESSION_TOKEN,
    endpoint: config.S3_ENDPOINT,
    fetch: deps.fetch,
    logger: deps.logger,
  });
}
