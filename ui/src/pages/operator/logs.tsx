import { ServiceHead } from '../../components/operator/service-head.js';
import { ServiceLogs } from '../../components/service/service-logs.js';

/* A service's logs page; `?trace_id=` (from a trace or an issue) narrows it to one trace. */
export function LogsPage({ params }: { params: Record<string, string> }) {
  const serviceId = params.serviceId!;
  const traceId = new URLSearchParams(location.search).get('trace_id');
  return (
    <section>
      <ServiceHead serviceId={serviceId} title="Logs" />
      <ServiceLogs key={traceId ?? ''} serviceId={serviceId} full traceId={traceId} />
    </section>
  );
}
