"""History (F6): every send from porte-voix at any size, and eCampaign's getCDR."""
