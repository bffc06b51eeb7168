"""Rules shared by the package and the webhook Lambda. Standard library only: `make lambda-zip` copies
this folder into the Lambda's zip, so the handler and the pipeline read them from one place."""
