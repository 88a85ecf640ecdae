from django.conf import settings


def portal(request):
    """Values every page's header and footer need."""
    return {"ICP_NUMBER": settings.ICP_NUMBER, "RELEASE": settings.RELEASE}
