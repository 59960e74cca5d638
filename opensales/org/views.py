from django.shortcuts import render

from opensales.core.actions import Action

from .models import Department


def department_list(request):
    departments = Department.objects.visible_to(request.user, Action.VIEW)
    return render(request, "org/department_list.html", {"departments": departments})
