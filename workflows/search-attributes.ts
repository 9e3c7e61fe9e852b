import { defineSearchAttributeKey, type SearchAttributePair, SearchAttributeType } from '@temporalio/common';
import type { OperationTarget } from '../contracts/operations.js';

/*
 * The custom search attributes of temporal-dev.yaml, so Temporal Web filters runs by the Syntra
 * resource they act on. Shared by the API (starting the service's queue) and the queue (starting
 * each operation).
 */

const keys = {
  orgId: defineSearchAttributeKey('SyntraOrgId', SearchAttributeType.KEYWORD),
  projectId: defineSearchAttributeKey('SyntraProjectId', SearchAttributeType.KEYWORD),
  serviceId: defineSearchAttributeKey('SyntraServiceId', SearchAttributeType.KEYWORD),
  serverId: defineSearchAttributeKey('SyntraServerId', SearchAttributeType.KEYWORD),
  deploymentId: defineSearchAttributeKey('SyntraDeploymentId', SearchAttributeType.KEYWORD),
  operation: defineSearchAttributeKey('SyntraOperation', SearchAttributeType.KEYWORD),
};

export function searchAttributesOf(target: OperationTarget, operation: string): SearchAttributePair[] {
  const pairs: SearchAttributePair[] = [
    { key: keys.orgId, value: target.orgId },
    { key: keys.projectId, value: target.projectId },
    { key: keys.serviceId, value: target.serviceId },
    { key: keys.serverId, value: target.serverId },
    { key: keys.operation, value: operation },
  ];
  if (target.deploymentId) pairs.push({ key: keys.deploymentId, value: target.deploymentId });
  return pairs;
}
