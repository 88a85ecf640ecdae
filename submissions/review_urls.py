"""URLs of the expert area (/<lang>/review/…) and the published results (/<lang>/results/<year>/)."""

urlpatterns = []
