from django.db import models


class Ping(models.Model):
    value = models.CharField(max_length=100)
