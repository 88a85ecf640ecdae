from django.contrib.auth import views as auth_views
from django.urls import path

from .views import accounts, expert, nominator, public, results

app_name = "submissions"

urlpatterns = [
    path("", public.home, name="home"),
    path("pages/<slug:slug>/", public.page, name="page"),
    path("faq/", public.faq, name="faq"),
    # Accounts
    path("accounts/signup/", accounts.signup, name="signup"),
    path("accounts/confirm/<str:token>/", accounts.confirm_email, name="confirm_email"),
    path("accounts/confirm-again/", accounts.resend_confirmation, name="resend_confirmation"),
    path("accounts/login/", accounts.LoginView.as_view(), name="login"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("accounts/profile/", accounts.profile, name="profile"),
    path("accounts/password/change/", accounts.PasswordChangeView.as_view(), name="password_change"),
    path("accounts/password/change/done/", auth_views.PasswordChangeDoneView.as_view(), name="password_change_done"),
    path("accounts/password/reset/", accounts.PasswordResetView.as_view(), name="password_reset"),
    path("accounts/password/reset/sent/", auth_views.PasswordResetDoneView.as_view(), name="password_reset_done"),
    path("accounts/password/reset/<uidb64>/<token>/", accounts.PasswordResetConfirmView.as_view(),
         name="password_reset_confirm"),
    path("accounts/password/reset/done/", auth_views.PasswordResetCompleteView.as_view(),
         name="password_reset_complete"),
    # Nominations
    path("nominations/", nominator.entry_list, name="entry_list"),
    path("nominations/new/", nominator.entry_create, name="entry_create"),
    path("nominations/<int:pk>/", nominator.entry_detail, name="entry_detail"),
    path("nominations/<int:pk>/edit/", nominator.entry_edit, name="entry_edit"),
    path("nominations/<int:pk>/submit/", nominator.entry_submit, name="entry_submit"),
    path("nominations/<int:pk>/withdraw/", nominator.entry_withdraw, name="entry_withdraw"),
    path("nominations/<int:pk>/reopen/", nominator.entry_reopen, name="entry_reopen"),
    path("nominations/<int:pk>/print/", nominator.entry_print, name="entry_print"),
    path("nominations/<int:pk>/attachments/", nominator.entry_attachments, name="entry_attachments"),
    path("nominations/<int:pk>/attachments/<int:attachment_pk>/delete/", nominator.attachment_delete,
         name="attachment_delete"),
    path("nominations/files/<int:attachment_pk>/", nominator.attachment_download, name="attachment_download"),
    path("nominations/files/<int:attachment_pk>/thumbnail/", nominator.attachment_thumbnail,
         name="attachment_thumbnail"),
    # Expert review (/<lang>/review/…) and published results
    path("review/", expert.review_list, name="review_list"),
    path("review/vote/<slug:category_code>/", expert.review_vote, name="review_vote"),
    path("review/<int:entry_id>/", expert.review_entry, name="review_entry"),
    path("review/<int:entry_id>/score/", expert.review_score, name="review_score"),
    path("review/<int:entry_id>/conflict/", expert.review_conflict, name="review_conflict"),
    path("results/<int:year>/", results.results, name="results"),
    path("results/<int:year>/images/<int:attachment_pk>/", results.results_image, name="results_image"),
]
