import { ApiException } from '../common/api-error.filter';
import { LeadModel, LeadModelService } from '../sending/lead-model.service';

/** The lead as a send would see it; a lead Kommo does not have is a 404 the widget can show. */
export async function findLead(
  leads: LeadModelService,
  leadId: number,
  email?: string,
): Promise<LeadModel> {
  const found = await leads.modelForLead(leadId, email);

  if (!found) {
    throw new ApiException(
      404,
      'lead_not_found',
      `Lead ${leadId} was not found in Kommo: it may have been deleted.`,
    );
  }

  return found;
}
