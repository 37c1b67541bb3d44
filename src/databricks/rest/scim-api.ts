import { z } from 'zod';
import { DatabricksApiError } from './databricks-api-error.js';
import type { HttpTransport } from './http-transport.js';

const USERS = '/api/2.0/preview/scim/v2/Users';

const scimUserSchema = z.looseObject({
  id: z.string(),
  userName: z.string(),
  displayName: z.string().optional(),
  active: z.boolean().default(true),
  emails: z.array(z.looseObject({ value: z.string(), primary: z.boolean().optional() })).default([]),
  /** The groups the user belongs to; `display` is the group name ACLs use as `group_name`. */
  groups: z
    .array(z.looseObject({ value: z.string(), display: z.string().optional(), type: z.string().optional() }))
    .default([]),
});

// Databricks leaves `Resources` out when nothing matches.
const listResponse = z.looseObject({
  totalResults: z.number().int().min(0).default(0),
  Resources: z.array(scimUserSchema).default([]),
});

export type ScimUser = z.output<typeof scimUserSchema>;

/** The SCIM attributes dbxops looks people up by. */
type UserAttribute = 'userName' | 'emails';

/** A SCIM filter string literal: backslashes and quotes escaped (RFC 7644 §3.4.2.2). */
function scimString(value: string): string {
  return `"${value.replaceAll('\\', '\\\\').replaceAll('"', '\\"')}"`;
}

/** SCIM 2.0 users of the workspace. */
export interface ScimApi {
  /** Users whose attribute equals `value` (case-insensitively, as SCIM compares these); at most 10. */
  findUsers(attribute: UserAttribute, value: string): Promise<ScimUser[]>;
  /**
   * The name ACLs use for the user (`userName`) or group (`displayName`) with this SCIM id, or undefined
   * when neither exists. Other failures (403, throttling) are thrown.
   */
  principalName(id: string): Promise<string | undefined>;
}

const GROUPS = '/api/2.0/preview/scim/v2/Groups';
const userName = z.looseObject({ userName: z.string().min(1).max(512) });
const groupName = z.looseObject({ displayName: z.string().min(1).max(512) });

/** Builds the SCIM API over a transport. */
export function createScimApi(transport: HttpTransport): ScimApi {
  return {
    async findUsers(attribute, value) {
      const res = await transport.request(
        {
          method: 'GET',
          path: USERS,
          query: { filter: `${attribute} eq ${scimString(value)}`, count: 10 },
        },
        listResponse,
      );
      return res.Resources;
    },
    async principalName(id) {
      const path = encodeURIComponent(id);
      try {
        return (await transport.request({ method: 'GET', path: `${USERS}/${path}` }, userName)).userName;
      } catch (error) {
        if (!(error instanceof DatabricksApiError && error.status === 404)) throw error;
      }
      try {
        return (await transport.request({ method: 'GET', path: `${GROUPS}/${path}` }, groupName)).displayName;
      } catch (error) {
        if (error instanceof DatabricksApiError && error.status === 404) return undefined;
        throw error;
      }
    },
  };
}
