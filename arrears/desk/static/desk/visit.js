// The visit page: fill the check-in form's location from the phone, when the browser allows it.
(function () {
  var latitude = document.getElementById("id_latitude");
  var longitude = document.getElementById("id_longitude");
  if (!latitude || !longitude || !navigator.geolocation) { return; }
  navigator.geolocation.getCurrentPosition(function (position) {
    latitude.value = position.coords.latitude.toFixed(6);
    longitude.value = position.coords.longitude.toFixed(6);
  });
})();
