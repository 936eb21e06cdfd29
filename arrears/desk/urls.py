from django.urls import path

import arrears.desk.templates_views as templates_views
from arrears.desk import (
    arrangements_urls,
    compliance_views,
    disputes_urls,
    portal_link_views,
    promises_urls,
    quality_urls,
    queue_urls,
    recovery_urls,
    reporting_urls,
    training_urls,
    treatment_views,
    views,
)

app_name = "desk"

urlpatterns = [
    path("", views.home, name="home"),
    path("portfolios/<int:portfolio_id>/debtors/", views.debtor_list, name="debtor_list"),
    path("debtors/<int:debtor_id>/", views.debtor_detail, name="debtor"),
    path("debtors/<int:debtor_id>/changes/", views.record_debtor_change, name="record_debtor_change"),
    path(
        "debtors/<int:debtor_id>/portal-link/", portal_link_views.issue_portal_link, name="issue_portal_link"
    ),
    path("debtors/<int:debtor_id>/contact/", compliance_views.debtor_compliance, name="debtor_compliance"),
    path("debtors/<int:debtor_id>/treatment/", treatment_views.debtor_treatment, name="debtor_treatment"),
    path("debtors/<int:debtor_id>/holds/", compliance_views.place_hold, name="place_hold"),
    path("debtors/<int:debtor_id>/contacts/", compliance_views.record_contact, name="record_contact"),
    path("debtors/<int:debtor_id>/messages/", compliance_views.send_message, name="send_message"),
    path("holds/<int:hold_id>/lift/", compliance_views.lift_hold, name="lift_hold"),
    path("contact-points/<int:point_id>/", views.update_contact_point, name="update_contact_point"),
    path("debts/<int:debt_id>/", views.debt_detail, name="debt"),
    path("debts/<int:debt_id>/payments/", views.record_payment, name="record_payment"),
    path("debts/<int:debt_id>/verify/", views.verify_debt, name="verify_debt"),
    path("payments/<int:payment_id>/reverse/", views.reverse_payment, name="reverse_payment"),
    path("audit/", views.audit_log, name="audit"),
    path("import/", views.import_file, name="import"),
]
urlpatterns += [
    path("templates/", templates_views.templates_list, name="templates"),
    path("templates/new/", templates_views.create_template, name="create_template"),
    path("templates/<int:template_id>/", templates_views.template_edit, name="template_edit"),
    path(
        "versions/<int:version_id>/approve/", templates_views.approve_template_version, name="approve_version"
    ),
    path("versions/<int:version_id>/retire/", templates_views.retire_template_version, name="retire_version"),
]
# Casework (issue "Collector desk"): each area keeps its own URL module.
urlpatterns += queue_urls.urlpatterns + promises_urls.urlpatterns + arrangements_urls.urlpatterns
urlpatterns += disputes_urls.urlpatterns
# Late stage and recovery, reporting, quality review and training.
urlpatterns += recovery_urls.urlpatterns + reporting_urls.urlpatterns
urlpatterns += quality_urls.urlpatterns + training_urls.urlpatterns
