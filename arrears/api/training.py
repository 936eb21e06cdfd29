"""API: training: course, practice scenarios, quiz."""

from ninja import Router

router = Router(tags=["training"])
