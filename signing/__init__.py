"""Electronic signatures (TTE) on the IKU draft: the deployment's certificate authority and
its keystore (ca, keys), PAdES signing with pyHanko (pdf), offline validation against the
CA and its CRL (verify), and the workflow's check of a newly signed version (chain)."""
