import { proxyActivities } from '@temporalio/workflow';
import type { OperationActivities } from '../contracts/operations.js';

/*
 * Every activity is a short PostgreSQL transaction: a minute is generous, and retries (forever,
 * backing off to 10 s) ride out a database restart. What the agent does is waited for with
 * signals and timers in the workflow, never inside an activity.
 */
export const activities = proxyActivities<OperationActivities>({
  startToCloseTimeout: '1 minute',
  retry: { initialInterval: '1 second', maximumInterval: '10 seconds', backoffCoefficient: 2 },
});
