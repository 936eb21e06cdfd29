"""Late stage and recovery: visits, legal referrals, placements, settlement and write-off."""

from django.urls import URLPattern, path

from arrears.desk import placement_views, recovery_views, referral_views, visit_views

urlpatterns: list[URLPattern] = [
    path("visits/", visit_views.my_visits, name="visits"),
    path("visits/route/", visit_views.order_route, name="order_route"),
    path("visits/<int:visit_id>/", visit_views.visit_page, name="visit"),
    path("visits/<int:visit_id>/check-in/", visit_views.check_in, name="visit_check_in"),
    path("visits/<int:visit_id>/check-out/", visit_views.check_out, name="visit_check_out"),
    path("visits/<int:visit_id>/cancel/", visit_views.cancel_visit, name="visit_cancel"),
    path("cases/<int:case_id>/recovery/", recovery_views.case_recovery, name="case_recovery"),
    path("cases/<int:case_id>/recovery/visits/", recovery_views.schedule_visit, name="schedule_visit"),
    path("cases/<int:case_id>/recovery/referrals/", recovery_views.refer_case, name="refer_case"),
    path(
        "cases/<int:case_id>/recovery/settlements/", recovery_views.offer_settlement, name="offer_settlement"
    ),
    path(
        "cases/<int:case_id>/recovery/write-offs/", recovery_views.request_write_off, name="request_write_off"
    ),
    path("recovery/", recovery_views.overview, name="recovery"),
    path("write-offs/<int:write_off_id>/decide/", recovery_views.decide_write_off, name="decide_write_off"),
    path("write-offs/<int:write_off_id>/recoveries/", recovery_views.record_recovery, name="record_recovery"),
    path("referrals/<int:referral_id>/", referral_views.referral_page, name="referral"),
    path("referrals/<int:referral_id>/approve/", referral_views.approve, name="approve_referral"),
    path("referrals/<int:referral_id>/reject/", referral_views.reject, name="reject_referral"),
    path("referrals/<int:referral_id>/filing/", referral_views.record_filing, name="referral_filing"),
    path("referrals/<int:referral_id>/hearings/", referral_views.add_hearing, name="referral_hearing"),
    path("referrals/<int:referral_id>/judgment/", referral_views.record_judgment, name="referral_judgment"),
    path(
        "referrals/<int:referral_id>/enforcement/",
        referral_views.record_enforcement,
        name="referral_enforcement",
    ),
    path("referrals/<int:referral_id>/close/", referral_views.close, name="referral_close"),
    path("referrals/<int:referral_id>/bundles/", referral_views.build_bundle, name="build_bundle"),
    path(
        "referrals/<int:referral_id>/bundles/<int:bundle_id>/",
        referral_views.download_bundle,
        name="download_bundle",
    ),
    path("agencies/<int:agency_id>/", placement_views.agency_page, name="agency"),
    path("agencies/<int:agency_id>/place/", placement_views.place_cases, name="place_cases"),
    path("agencies/<int:agency_id>/export/", placement_views.export, name="agency_export"),
    path("placements/<int:placement_id>/recall/", placement_views.recall, name="recall_placement"),
    path(
        "placements/<int:placement_id>/remittances/",
        placement_views.record_remittance,
        name="record_remittance",
    ),
]
