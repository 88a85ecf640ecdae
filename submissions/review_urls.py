"""URLs of the expert area (/<lang>/review/…) and the published results (/<lang>/results/<year>/)."""

from django.urls import path

from .views import expert, results

urlpatterns = [
    path("review/", expert.review_list, name="review_list"),
    path("review/vote/<slug:category_code>/", expert.review_vote, name="review_vote"),
    path("review/<int:entry_id>/", expert.review_entry, name="review_entry"),
    path("review/<int:entry_id>/score/", expert.review_score, name="review_score"),
    path("review/<int:entry_id>/conflict/", expert.review_conflict, name="review_conflict"),
    path("results/<int:year>/", results.results, name="results"),
    path("results/<int:year>/images/<int:attachment_pk>/", results.results_image, name="results_image"),
]
