import { describe, expect, it } from 'vitest';
import { ConfigError, issuerFromDomain, parseConfig } from '../src/config';

describe('configuration', () => {
  it('has working defaults for a local run', () => {
    const config = parseConfig({});
    expect(config).toMatchObject({
      PORT: 5001,
      DATABASE_MODE: 'sqlite',
      DATABASE_DEV: 'file:instance/jobmate.db',
      CORS_ORIGINS: ['http://localhost:3000'],
      DEEPSEEK_BASE_URL: 'https://api.deepseek.com',
      MIGRATE_ON_START: true,
      auth0Issuer: undefined,
      isProduction: false,
    });
  });

  it.each([
    ['sqlite:///instance/efficientai.db', 'file:instance/efficientai.db'],
    ['sqlite:////var/data/app.db', 'file:/var/data/app.db'],
    ['file:data/x.db', 'file:data/x.db'],
    ['libsql://db.turso.io', 'libsql://db.turso.io'],
  ])('accepts DATABASE_DEV=%s as %s', (input, expected) => {
    expect(parseConfig({ DATABASE_DEV: input }).DATABASE_DEV).toBe(expected);
  });

  it('takes LIBSQL_AUTH_TOKEN for a remote DATABASE_DEV (unset when empty)', () => {
    expect(
      parseConfig({ DATABASE_DEV: 'libsql://db.turso.io', LIBSQL_AUTH_TOKEN: 'eyJhbGciOi' })
        .LIBSQL_AUTH_TOKEN,
    ).toBe('eyJhbGciOi');
    expect(parseConfig({ LIBSQL_AUTH_TOKEN: '' }).LIBSQL_AUTH_TOKEN).toBeUndefined();
  });

  it.each([
    ['postgresql+psycopg2://u:p@db:5432/app', 'postgresql://u:p@db:5432/app'],
    ['postgres://u@db/app', 'postgresql://u@db/app'],
  ])('accepts DATABASE_PROD=%s', (input, expected) => {
    expect(parseConfig({ DATABASE_MODE: 'postgres', DATABASE_PROD: input }).DATABASE_PROD).toBe(expected);
  });

  it.each([
    ['dev-x.us.auth0.com', 'https://dev-x.us.auth0.com/'],
    ['https://dev-x.us.auth0.com', 'https://dev-x.us.auth0.com/'],
    ['https://dev-x.us.auth0.com/', 'https://dev-x.us.auth0.com/'],
    ['http://127.0.0.1:4000', 'http://127.0.0.1:4000/'],
  ])('derives the issuer from AUTH0_DOMAIN=%s', (domain, issuer) => {
    expect(issuerFromDomain(domain)).toBe(issuer);
    expect(parseConfig({ AUTH0_DOMAIN: domain, AUTH0_AUDIENCE: 'api' }).auth0Issuer).toBe(issuer);
  });

  it.each([
    [{ FLASK_ENV: 'production' }, true],
    [{ FLASK_ENV: 'Production', NODE_ENV: 'development' }, true],
    [{ NODE_ENV: 'production', FLASK_ENV: 'development' }, true],
    [{ FLASK_ENV: 'development' }, false],
    [{}, false],
  ])('takes the Flask seed’s FLASK_ENV=production as production (%j)', (env, production) => {
    expect(parseConfig(env).isProduction).toBe(production);
  });

  it('defaults AWS_REGION to the seed’s ap-southeast-2 and takes AWS_SESSION_TOKEN', () => {
    expect(parseConfig({}).AWS_REGION).toBe('ap-southeast-2');
    expect(parseConfig({ AWS_REGION: 'eu-west-1' }).AWS_REGION).toBe('eu-west-1');
    expect(parseConfig({ AWS_SESSION_TOKEN: 'IQoJb3JpZ2luX2Vj' }).AWS_SESSION_TOKEN).toBe('IQoJb3JpZ2luX2Vj');
  });

  it('treats empty strings as unset', () => {
    expect(parseConfig({ PORT: '', AUTH0_DOMAIN: '', DATABASE_MODE: '' })).toMatchObject({
      PORT: 5001,
      DATABASE_MODE: 'sqlite',
      auth0Issuer: undefined,
    });
  });

  it('names every bad variable in one error', () => {
    let error: unknown;
    try {
      parseConfig({
        PORT: 'eighty',
        DATABASE_MODE: 'mysql',
        AUTH0_DOMAIN: 'tenant.auth0.com',
        CORS_ORIGINS: 'not-a-url',
        AUTH0_MGMT_CLIENT_SECRET: 'shh',
      });
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(ConfigError);
    const message = (error as ConfigError).message;
    for (const name of ['PORT', 'DATABASE_MODE', 'CORS_ORIGINS']) expect(message).toContain(name);
    expect(message).not.toContain('shh');
  });

  it('requires AUTH0_AUDIENCE with AUTH0_DOMAIN and both Management credentials together', () => {
    expect(() => parseConfig({ AUTH0_DOMAIN: 'tenant.auth0.com' })).toThrow(/AUTH0_AUDIENCE/);
    expect(() => parseConfig({ AUTH0_MGMT_CLIENT_ID: 'id' })).toThrow(/AUTH0_MGMT_CLIENT_SECRET/);
  });

  it('requires DATABASE_PROD in postgres mode and hides its value', () => {
    expect(() => parseConfig({ DATABASE_MODE: 'postgres' })).toThrow(/DATABASE_PROD/);
    expect(() => parseConfig({ DATABASE_MODE: 'postgres', DATABASE_PROD: 'mysql://u:pw@h/db' })).toThrow(
      /^(?![\s\S]*pw@)/,
    );
  });

  it('requires DEEPSEEK_MODEL to be one of DEEPSEEK_MODELS', () => {
    expect(() => parseConfig({ DEEPSEEK_MODEL: 'gpt-x' })).toThrow(/DEEPSEEK_MODEL/);
    expect(parseConfig({ DEEPSEEK_MODEL: 'r2', DEEPSEEK_MODELS: 'r2, v4' }).DEEPSEEK_MODELS).toEqual([
      'r2',
      'v4',
    ]);
  });
});
