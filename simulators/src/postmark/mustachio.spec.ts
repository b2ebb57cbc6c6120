import { findIssues, renderTemplate, suggestModel, toMustache } from './mustachio';

describe('mustachio', () => {
  it('turns {{#each}} into a section and {{this}} into {{.}}', () => {
    const { template, eachNames } = toMustache('{{#each tags}}[{{this}}]{{/each}}');

    expect(template).toBe('{{#tags}}[{{.}}]{{/tags}}');
    expect([...eachNames]).toEqual(['tags']);
  });

  it('loops, follows dotted paths and leaves missing values empty', () => {
    const html = renderTemplate(
      '{{responsible.name}}:{{#each items}}<i>{{title}}</i>{{/each}}{{missing}}',
      { responsible: { name: 'Lucía' }, items: [{ title: 'a' }, { title: 'b' }] },
      'html',
    );

    expect(html).toBe('Lucía:<i>a</i><i>b</i>');
  });

  it('escapes {{var}} in HTML only, and never {{{var}}}', () => {
    const model = { name: `Tom & "Jerry" <tj@x.com>` };

    expect(renderTemplate('{{name}}|{{{name}}}', model, 'html')).toBe(
      'Tom &amp; &quot;Jerry&quot; &lt;tj@x.com&gt;|Tom & "Jerry" <tj@x.com>',
    );
    expect(renderTemplate('{{name}}', model, 'text')).toBe(model.name);
  });

  it('puts the rendered content into the layout', () => {
    const layout = '[{{{ @content }}}] {{name}}';
    const text = renderTemplate('Hi {{name}}', { name: 'Ana' }, 'text', layout);

    expect(text).toBe('[Hi Ana] Ana');
  });

  it('suggests a model with nested objects and one-item lists', () => {
    const model = suggestModel([
      'Hello {{client.name}} {{client.email}}',
      '{{#each items}}{{title}} {{price.amount}}{{/each}}{{#company}}{{name}}{{/company}}',
      '{{^vip}}regular{{/vip}}{{{@content}}}',
    ]);

    expect(model).toEqual({
      client: { name: 'name_Value', email: 'email_Value' },
      items: [{ title: 'title_Value', price: { amount: 'amount_Value' } }],
      company: { name: 'name_Value' },
      vip: 'vip_Value',
    });
  });

  it('reports an unclosed section with its position', () => {
    const [issue] = findIssues('line one\n{{#each items}}x');

    expect(issue.Message).toMatch(/Unclosed section/);
    expect(issue.Line).toBe(2);
  });
});
