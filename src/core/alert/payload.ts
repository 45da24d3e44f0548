/**
 * What an alert says (issue 11): the JSON body of the webhook POST — `{"text": …}` plus Slack-style
 * `attachments[].fields`, which Slack, Mattermost, Rocket.Chat and Discord's /slack endpoint accept,
 * and a `dx_hooks` object for anything else — and the desktop notification's title and body. Text from
 * the remote or other hosts is neutralised twice: controls escaped (text/safe.ts), and `& < >` escaped
 * as Slack asks, so a remote's error message cannot `<!channel>` anyone or forge a link.
 */
import { safeText } from '../text/safe.js';
import type { Episode } from './episode.js';

/** The webhook body. Times are Unix seconds. */
export interface WebhookPayload {
  text: string;
  attachments: { color: 'danger' | 'good'; fallback: string; fields: { title: string; value: string; short: boolean }[] }[];
  dx_hooks: { event: string; episode: string; host: string; repo: string; since: number; at: number; detail: string };
}

/** An alert ready to send: the webhook body, and the desktop notification (title, body). */
export interface Alert { payload: WebhookPayload; title: string; body: string }

/** Slack's three control characters escaped (its docs: &amp; &lt; &gt;), after the controls. Pure. */
export function slackSafe(s: string): string {
  return safeText(s).replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

const WHAT = {
  backup: { failing: 'WIP backup failing', recovered: 'WIP backup recovered', name: 'backup' },
  hooks: { failing: 'git no longer runs dx-hooks\' hooks', recovered: 'git runs dx-hooks\' hooks again', name: 'hooks' },
} as const;

/** The alert for `ep` `failing` (the episode opened) or `recovered` (it closed) on `host` in the work tree `repo`. Pure. */
export function alertFor(ep: Episode, event: 'failing' | 'recovered', host: string, repo: string, now = Math.floor(Date.now() / 1000)): Alert {
  const what = WHAT[ep.kind];
  const headline = `dx-hooks: ${what[event]} on ${host} in ${repo}`;
  const detail = event === 'failing' ? ep.text.replace(/^dx-hooks: /, '') : `failing since ${new Date(ep.since * 1000).toISOString()}`;
  const cut = (s: string, n: number) => (s.length > n ? s.slice(0, n - 1) + '…' : s);
  const text = `${slackSafe(headline)}\n${slackSafe(cut(detail, 1500))}`;
  return {
    payload: {
      text,
      attachments: [{
        color: event === 'failing' ? 'danger' : 'good',
        fallback: slackSafe(headline),
        fields: [
          { title: 'host', value: slackSafe(host), short: true },
          { title: 'event', value: `${what.name}.${event}`, short: true },
          { title: 'repository', value: slackSafe(repo), short: false },
          { title: event === 'failing' ? 'what' : 'since', value: slackSafe(cut(detail, 1500)), short: false },
        ],
      }],
      dx_hooks: { event: `${what.name}.${event}`, episode: ep.id, host: safeText(host), repo: safeText(repo), since: ep.since, at: now, detail: safeText(cut(detail, 1500)) },
    },
    title: safeText(`dx-hooks: ${what[event]}`),
    body: safeText(cut(`${host} · ${repo}\n`.replace('\n', ' — ') + detail, 300)),
  };
}
