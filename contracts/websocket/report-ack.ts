import { z } from 'zod';
import { Uuid } from '../primitives.js';
import { defineMessage } from './envelope.js';

/**
 * The agent messages the control plane acknowledges from protocol 1.3 on, once each is durably
 * handled (stored, and signalled to the workflow waiting for it). Their bytes can die with the
 * control plane's process, so an agent keeps each one, envelope id and all, until its `report_ack`
 * arrives, and sends it again after reconnecting; the id lets the control plane apply a repeat once.
 */
export const ACKNOWLEDGED_REPORT_TYPES = ['command_response', 'deploy_status'] as const;
export type AcknowledgedReportType = (typeof ACKNOWLEDGED_REPORT_TYPES)[number];

export const ReportAckPayload = z.object({
  message_id: Uuid.describe('The envelope id of the command_response or deploy_status now handled'),
});
export type ReportAckPayload = z.infer<typeof ReportAckPayload>;

export const ReportAckMessage = defineMessage(
  'report_ack',
  ReportAckPayload,
  'Control plane -> agent (protocol 1.3 and later), one command_response or deploy_status is durably handled',
);
