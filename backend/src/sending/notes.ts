import { NoteLocale } from '../config/app-config';

type Vars = Record<string, string | number>;

export type NoteKey =
  | 'sent'
  | 'noContact'
  | 'noEmail'
  | 'suppressed'
  | 'badAddress'
  | 'failed'
  | 'bounced'
  | 'softBounced'
  | 'complained'
  | 'unsubscribed'
  | 'opened'
  | 'clicked'
  | 'reply'
  | 'autoReply'
  | 'attachments'
  | 'noText'
  | 'truncated';

const TEXTS: Record<NoteLocale, Record<NoteKey, string>> = {
  en: {
    sent: 'Email "{template}" sent to {email} via Postmark.',
    noContact: 'Email "{template}" was not sent: the lead has no contact.',
    noEmail: 'Email "{template}" was not sent: contact {contact} has no valid email address.',
    suppressed:
      'Email "{template}" was not sent: Postmark marks {email} as inactive (earlier bounce, spam complaint or unsubscribe).',
    badAddress: 'Email "{template}" was not sent: Postmark rejected the address {email}.',
    failed: 'Email "{template}" to {email} could not be sent: {reason}',
    bounced: 'Email "{template}" to {email} bounced ({type}): {details}',
    softBounced: 'Email "{template}" to {email} was delayed or soft-bounced ({type}): {details}',
    complained: '{email} reported the email "{template}" as spam.',
    unsubscribed:
      '{email} unsubscribed after the email "{template}"; Postmark will not send to it.',
    opened: '{email} opened the email "{template}".',
    clicked: '{email} clicked {link} in the email "{template}".',
    reply: 'Reply from {from}\nSubject: {subject}',
    autoReply: 'Automatic reply from {from}\nSubject: {subject}',
    attachments: 'Attachments: {list}',
    noText: '(no text, {count} attachments)',
    truncated: '[… reply cut, {count} more characters]',
  },
  es: {
    sent: 'Correo "{template}" enviado a {email} por Postmark.',
    noContact: 'El correo "{template}" no se envió: el lead no tiene contacto.',
    noEmail: 'El correo "{template}" no se envió: el contacto {contact} no tiene un correo válido.',
    suppressed:
      'El correo "{template}" no se envió: Postmark marca {email} como inactivo (rebote, queja de spam o baja anterior).',
    badAddress: 'El correo "{template}" no se envió: Postmark rechazó la dirección {email}.',
    failed: 'No se pudo enviar el correo "{template}" a {email}: {reason}',
    bounced: 'El correo "{template}" a {email} rebotó ({type}): {details}',
    softBounced:
      'El correo "{template}" a {email} se retrasó o tuvo un rebote temporal ({type}): {details}',
    complained: '{email} marcó el correo "{template}" como spam.',
    unsubscribed: '{email} se dio de baja tras el correo "{template}"; Postmark no le enviará más.',
    opened: '{email} abrió el correo "{template}".',
    clicked: '{email} hizo clic en {link} del correo "{template}".',
    reply: 'Respuesta de {from}\nAsunto: {subject}',
    autoReply: 'Respuesta automática de {from}\nAsunto: {subject}',
    attachments: 'Adjuntos: {list}',
    noText: '(sin texto, {count} adjuntos)',
    truncated: '[… respuesta recortada, {count} caracteres más]',
  },
  pt: {
    sent: 'E-mail "{template}" enviado para {email} pelo Postmark.',
    noContact: 'O e-mail "{template}" não foi enviado: o lead não tem contato.',
    noEmail: 'O e-mail "{template}" não foi enviado: o contato {contact} não tem e-mail válido.',
    suppressed:
      'O e-mail "{template}" não foi enviado: o Postmark marca {email} como inativo (bounce, reclamação de spam ou descadastro anterior).',
    badAddress: 'O e-mail "{template}" não foi enviado: o Postmark recusou o endereço {email}.',
    failed: 'Não foi possível enviar o e-mail "{template}" para {email}: {reason}',
    bounced: 'O e-mail "{template}" para {email} retornou ({type}): {details}',
    softBounced:
      'O e-mail "{template}" para {email} atrasou ou teve retorno temporário ({type}): {details}',
    complained: '{email} marcou o e-mail "{template}" como spam.',
    unsubscribed:
      '{email} cancelou a inscrição após o e-mail "{template}"; o Postmark não enviará mais.',
    opened: '{email} abriu o e-mail "{template}".',
    clicked: '{email} clicou em {link} no e-mail "{template}".',
    reply: 'Resposta de {from}\nAssunto: {subject}',
    autoReply: 'Resposta automática de {from}\nAssunto: {subject}',
    attachments: 'Anexos: {list}',
    noText: '(sem texto, {count} anexos)',
    truncated: '[… resposta cortada, mais {count} caracteres]',
  },
  ru: {
    sent: 'Письмо «{template}» отправлено на {email} через Postmark.',
    noContact: 'Письмо «{template}» не отправлено: у сделки нет контакта.',
    noEmail: 'Письмо «{template}» не отправлено: у контакта {contact} нет корректного email.',
    suppressed:
      'Письмо «{template}» не отправлено: Postmark считает {email} неактивным (ранее был отказ, жалоба на спам или отписка).',
    badAddress: 'Письмо «{template}» не отправлено: Postmark отклонил адрес {email}.',
    failed: 'Не удалось отправить письмо «{template}» на {email}: {reason}',
    bounced: 'Письмо «{template}» на {email} не доставлено ({type}): {details}',
    softBounced:
      'Письмо «{template}» на {email} задержано или временно не доставлено ({type}): {details}',
    complained: '{email} пожаловался на письмо «{template}» как на спам.',
    unsubscribed:
      '{email} отписался после письма «{template}»; Postmark больше не будет ему писать.',
    opened: '{email} открыл письмо «{template}».',
    clicked: '{email} перешёл по ссылке {link} в письме «{template}».',
    reply: 'Ответ от {from}\nТема: {subject}',
    autoReply: 'Автоответ от {from}\nТема: {subject}',
    attachments: 'Вложения: {list}',
    noText: '(без текста, вложений: {count})',
    truncated: '[… ответ обрезан, ещё {count} символов]',
  },
};

/** The note text in the configured language, with {placeholders} filled. */
export function noteText(locale: NoteLocale, key: NoteKey, vars: Vars = {}): string {
  return TEXTS[locale][key].replace(/\{(\w+)\}/g, (whole, name: string) =>
    vars[name] === undefined ? whole : String(vars[name]),
  );
}

export const NOTE_KEYS = Object.keys(TEXTS.en) as NoteKey[];
export const NOTE_LOCALE_TABLES = TEXTS;
