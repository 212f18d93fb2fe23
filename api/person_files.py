"""One person's file and the explanation of their result, by `POST /people/lookup/` (the ID number in the body,
never in a URL), through the person file's own selectors and assembly (people/): the same scope, the same
masking, the same note about another department's identity; each lookup recorded as an opening of the file."""

from __future__ import annotations

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.access import mask_id_number
from api.base import StrictSerializer, record_read
from people.file.assemble import person_file
from people.openings.models import FilePage
from people.openings.services import file_opening_record
from people.selectors import people_search_for, person_get_for


class LookupSerializer(StrictSerializer):
    id_number = serializers.CharField(max_length=40, help_text=gettext_lazy("ID number (15 or 18 characters)."))
    year = serializers.IntegerField(required=False, help_text=gettext_lazy("Benefit year; the pages' default."))


class WhoSerializer(serializers.Serializer):
    name = serializers.CharField()
    id_number = serializers.CharField(
        source="shown_id", help_text=gettext_lazy("Masked unless you may read it in full.")
    )
    sex = serializers.CharField()
    age = serializers.IntegerField(allow_null=True)
    birth_date = serializers.DateField(allow_null=True)
    township = serializers.CharField()
    village = serializers.CharField()
    household_number = serializers.CharField()
    relation = serializers.CharField()
    in_register = serializers.BooleanField()


class IdentitySerializer(serializers.Serializer):
    department = serializers.CharField()
    category = serializers.CharField()
    valid_from = serializers.DateField(allow_null=True)
    valid_to = serializers.DateField(allow_null=True)


class PaymentSerializer(serializers.Serializer):
    year = serializers.IntegerField()
    amount = serializers.DecimalField(max_digits=10, decimal_places=2)
    paid_on = serializers.DateField()
    tier = serializers.IntegerField()
    channel = serializers.CharField()


class PersonResultSerializer(serializers.Serializer):
    status = serializers.CharField(source="result.status")
    status_display = serializers.CharField(source="result.get_status_display")
    category = serializers.CharField(allow_null=True)
    department = serializers.CharField(allow_null=True)
    subsidy = serializers.DecimalField(source="result.subsidy", max_digits=12, decimal_places=2)
    topup = serializers.DecimalField(source="result.topup", max_digits=12, decimal_places=2)
    personal_due = serializers.DecimalField(source="result.personal_due", max_digits=12, decimal_places=2)
    paid = serializers.DecimalField(source="result.paid", max_digits=12, decimal_places=2)
    topup_month = serializers.DateField(allow_null=True)
    benefit_start = serializers.DateField(allow_null=True)
    flags = serializers.ListField(child=serializers.CharField())
    other_department = serializers.BooleanField(
        help_text=gettext_lazy("The subsidy comes from another department's category (which one is not said).")
    )


class StepSerializer(serializers.Serializer):
    code = serializers.CharField()
    title = serializers.CharField()
    lines = serializers.ListField(child=serializers.CharField())


class ExplanationSerializer(serializers.Serializer):
    steps = StepSerializer(many=True)
    matches_stored = serializers.BooleanField(
        help_text=gettext_lazy("Whether recomputing gives the stored result (false: a run is due).")
    )


class PersonLineSerializer(serializers.Serializer):
    batch = serializers.CharField(source="batch.number")
    month = serializers.DateField(source="batch.month")
    kind = serializers.CharField()
    amount = serializers.DecimalField(max_digits=12, decimal_places=2)


class CaseSerializer(serializers.Serializer):
    status = serializers.CharField()
    reason = serializers.CharField()
    note = serializers.CharField()


class PersonFileSerializer(serializers.Serializer):
    year = serializers.IntegerField()
    years = serializers.ListField(child=serializers.IntegerField())
    county = serializers.CharField(source="county_name")
    who = WhoSerializer()
    identities = IdentitySerializer(many=True)
    other_department_note = serializers.CharField()
    payments = PaymentSerializer(many=True)
    paid_total = serializers.DecimalField(max_digits=12, decimal_places=2)
    result = PersonResultSerializer(allow_null=True)
    explanation = ExplanationSerializer(allow_null=True)
    transfer_lines = PersonLineSerializer(source="lines", many=True)
    cases = CaseSerializer(many=True)


class PersonLookupView(APIView):
    """The person file of one resident the token's user may open, for one benefit year."""

    @extend_schema(request=LookupSerializer, responses=PersonFileSerializer)
    def post(self, request):
        lookup = LookupSerializer(data=request.data)
        lookup.is_valid(raise_exception=True)
        number, year = lookup.validated_data["id_number"], lookup.validated_data.get("year")
        answer = people_search_for(request.user, number)
        if not answer.by_id or answer.id_error:
            message = answer.id_error or _("Look people up by their ID number.")
            raise ValidationError({"id_number": [serializers.ErrorDetail(message, code="invalid_id_number")]})
        if answer.key is None:
            raise NotFound()
        ref = person_get_for(request.user, answer.key)
        file = person_file(user=request.user, ref=ref, key=answer.key, requested_year=year)
        file_opening_record(
            user=request.user,
            county_id=ref.county_id,
            id_number=ref.id_number,
            page=FilePage.PERSON,
            year=file.year,
            household_number=file.who.household_number,
        )
        record_read(
            request, kind="person_file", rows=1, description=mask_id_number(ref.id_number), filters={"year": file.year}
        )
        return Response(PersonFileSerializer(file).data)
