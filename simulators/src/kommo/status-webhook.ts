import type { KommoLead } from './kommo.types';

export interface WebhookAccount {
  id: number;
  subdomain: string;
}

type FormPair = [key: string, value: string | number];

/**
 * The `status_lead` account webhook as Kommo POSTs it: PHP-style bracket keys, every value a
 * string, encoded like PHP's http_build_query (`+` for spaces, brackets as %5B/%5D).
 * Each lead already carries its new status; `oldStatusId` is the stage it left.
 */
export function encodeStatusWebhook(
  moves: Array<{ lead: KommoLead; oldStatusId: number }>,
  account: WebhookAccount,
): string {
  const pairs: FormPair[] = moves.flatMap(({ lead, oldStatusId }, index) =>
    leadPairs(lead, oldStatusId).map(
      ([key, value]): FormPair => [`leads[status][${index}]${key}`, value],
    ),
  );

  pairs.push(
    ['account[subdomain]', account.subdomain],
    ['account[id]', account.id],
    ['account[_links][self]', `https://${account.subdomain}.kommo.com`],
  );

  return pairs
    .map(([key, value]) => `${phpUrlEncode(key)}=${phpUrlEncode(String(value))}`)
    .join('&');
}

function leadPairs(lead: KommoLead, oldStatusId: number): FormPair[] {
  const pairs: FormPair[] = [
    ['[id]', lead.id],
    ['[name]', lead.name],
    ['[status_id]', lead.status_id],
    ['[old_status_id]', oldStatusId],
    ['[price]', lead.price],
    ['[responsible_user_id]', lead.responsible_user_id],
    ['[last_modified]', lead.updated_at],
    ['[modified_user_id]', lead.updated_by],
    ['[created_user_id]', lead.created_by],
    ['[date_create]', lead.created_at],
    ['[pipeline_id]', lead.pipeline_id],
    ['[account_id]', lead.account_id],
    ['[created_at]', lead.created_at],
    ['[updated_at]', lead.updated_at],
  ];

  lead._embedded.tags.forEach((tag, i) => {
    pairs.push([`[tags][${i}][id]`, tag.id], [`[tags][${i}][name]`, tag.name]);
  });

  // Webhooks still speak API v2: `custom_fields[i][values][j][value|enum]`.
  (lead.custom_fields_values ?? []).forEach((field, i) => {
    pairs.push(
      [`[custom_fields][${i}][id]`, field.field_id],
      [`[custom_fields][${i}][name]`, field.field_name],
    );
    field.values.forEach((item, j) => {
      pairs.push([`[custom_fields][${i}][values][${j}][value]`, String(item.value)]);
      if (item.enum_id !== undefined && item.enum_id !== null) {
        pairs.push([`[custom_fields][${i}][values][${j}][enum]`, item.enum_id]);
      }
    });
  });

  return pairs;
}

/** PHP urlencode: only letters, digits and `-_.` stay; spaces become `+`. */
export function phpUrlEncode(text: string): string {
  return encodeURIComponent(text)
    .replace(/[!'()*~]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`)
    .replace(/%20/g, '+');
}
