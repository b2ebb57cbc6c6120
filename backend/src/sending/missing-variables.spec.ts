import { missingVariables } from './missing-variables';

describe('missingVariables', () => {
  const suggested = {
    client_name: 'client_name_Value',
    amount: 'amount_Value',
    lead: { custom_fields: { source: 'source_Value', check_in: 'check_in_Value' } },
    items: [{ name: 'name_Value' }],
  };

  it('names empty, blank and absent values by their dotted path', () => {
    const model = {
      client_name: '  ',
      amount: 0,
      lead: { custom_fields: { source: 'Website' } },
      items: [],
    };

    expect(missingVariables(suggested, model)).toEqual([
      'client_name',
      'lead.custom_fields.check_in',
      'items',
    ]);
  });

  it('finds nothing missing when every variable has a value', () => {
    const model = {
      client_name: 'Marta',
      amount: 12500,
      lead: { custom_fields: { source: 'Website', check_in: '2025-03-01' } },
      items: [{ name: 'Room' }],
    };

    expect(missingVariables(suggested, model)).toEqual([]);
  });

  it('reports every leaf under an object the model lacks', () => {
    expect(missingVariables({ contact: { name: 'x', email: 'y' } }, {})).toEqual([
      'contact.name',
      'contact.email',
    ]);
  });
});
