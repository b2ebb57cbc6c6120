/** PostgreSQL text cannot hold U+0000, which JSON lets a sender smuggle in as `\u0000`. */
export function withoutNul(text: string): string {
  return text.replace(/\u0000/g, '\uFFFD');
}
