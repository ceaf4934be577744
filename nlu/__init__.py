"""Everything of the Rasa assistant that is not an action: training data (YAML files here), the Vietnamese pipeline
component, the tracker and lock stores, the conversation reader and report, and the REST client the portal and the
bot share."""
