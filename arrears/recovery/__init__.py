"""Late stage and recovery: field visits, legal referral and evidence bundles, agency placement, settlement and write-off."""
