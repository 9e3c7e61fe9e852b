import cronstrue from 'cronstrue';
import { useState, type FormEvent } from 'react';
import type { Workflow } from '../../../../contracts/api/automation.js';
import { workflows } from '../../api/endpoints.js';
import { useAction } from '../../hooks.js';
import { FailureNotice } from '../failure-notice.js';
import { Field } from '../field.js';

/*
 * How a workflow starts: by hand only, or also on a cron schedule read in an IANA time zone. The
 * expression is read back in words (cronstrue) as it is typed; the next five fire times are the
 * API's (it computes them in the zone the way Temporal will fire). Pause and resume the schedule.
 */

/** The expression in words, or why it cannot be read. */
export function cronReading(expression: string): { text: string; ok: boolean } {
  try {
    return { text: cronstrue.toString(expression, { use24HourTimeFormat: true, verbose: true }), ok: true };
  } catch (error) {
    return { text: String(error).replace(/^Error: /, ''), ok: false };
  }
}

const timeZones = typeof Intl.supportedValuesOf === 'function' ? Intl.supportedValuesOf('timeZone') : ['UTC'];

const inZone = (iso: string, timeZone: string) =>
  // dateStyle and timeStyle cannot be combined with timeZoneName: the fields one by one.
  new Intl.DateTimeFormat(undefined, { timeZone, weekday: 'short', year: 'numeric', month: 'short', day: 'numeric', hour: '2-digit', minute: '2-digit', timeZoneName: 'short' }).format(
    new Date(iso),
  );

export function TriggerSettings({ workflow, canManage, onChanged }: { workflow: Workflow; canManage: boolean; onChanged: (workflow: Workflow) => void }) {
  const [scheduled, setScheduled] = useState(workflow.cron_expression !== null);
  const [cron, setCron] = useState(workflow.cron_expression ?? '0 9 * * 1-5');
  const [timezone, setTimezone] = useState(workflow.schedule?.timezone ?? 'UTC');
  const save = useAction(async () => {
    onChanged(await workflows.update(workflow.id, scheduled ? { cron_expression: cron, timezone } : { cron_expression: null }));
  });
  const toggle = useAction(async () => {
    onChanged(await (workflow.schedule?.paused ? workflows.resume(workflow.id) : workflows.pause(workflow.id)));
  });
  const reading = cronReading(cron);
  const submit = (event: FormEvent) => {
    event.preventDefault();
    void save.run();
  };
  const schedule = workflow.schedule;

  return (
    <section aria-labelledby="trigger-title">
      <h2 id="trigger-title">Trigger</h2>
      <p data-testid="trigger-state">
        {schedule ? `On a schedule: ${workflow.cron_expression} (${schedule.timezone})${schedule.paused ? ', paused' : ''}` : 'Manual only: runs when someone presses Run.'}
      </p>
      {canManage ? (
        <form onSubmit={submit} className="trigger-form">
          <fieldset>
            <legend>Starts</legend>
            <label className="choice">
              <input type="radio" name="trigger" checked={!scheduled} onChange={() => setScheduled(false)} /> By hand only
            </label>
            <label className="choice">
              <input type="radio" name="trigger" checked={scheduled} onChange={() => setScheduled(true)} /> Also on a cron schedule
            </label>
          </fieldset>
          {scheduled ? (
            <>
              <Field
                label="Cron expression"
                value={cron}
                onChange={(event) => setCron(event.target.value)}
                hint={reading.ok ? reading.text : undefined}
                error={reading.ok ? undefined : reading.text}
              />
              <Field label="Time zone">
                {(control) => (
                  <select {...control} value={timezone} onChange={(event) => setTimezone(event.target.value)}>
                    {(timeZones.includes('UTC') ? timeZones : ['UTC', ...timeZones]).map((zone) => (
                      <option key={zone}>{zone}</option>
                    ))}
                  </select>
                )}
              </Field>
            </>
          ) : null}
          <button type="submit" disabled={save.busy || (scheduled && !reading.ok)}>
            Save trigger
          </button>
        </form>
      ) : null}
      <FailureNotice failure={save.failure ?? toggle.failure} title="The trigger could not be changed" />
      {schedule ? (
        <>
          <h3>Next fire times</h3>
          {schedule.next_fire_times.length === 0 ? <p>None: the schedule is paused or the workflow inactive.</p> : null}
          <ol data-testid="next-fire-times">
            {schedule.next_fire_times.map((time) => (
              <li key={time}>
                <time dateTime={time}>{inZone(time, schedule.timezone)}</time>
              </li>
            ))}
          </ol>
          {canManage ? (
            <button type="button" onClick={() => void toggle.run()} disabled={toggle.busy}>
              {schedule.paused ? 'Resume schedule' : 'Pause schedule'}
            </button>
          ) : null}
        </>
      ) : null}
    </section>
  );
}
